using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Hosting;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FedActors.Benchmarks;

/// <summary>A real one-node cluster with a SQLite (WAL) journal in a temporary folder.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _dir;

    private BenchNode(IHost host, string dir)
    {
        _host = host;
        _dir = dir;
        System = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<IActorRegistry>();
        Aggregator = registry.Get<AggregatorProxy>();
        Clients = registry.Get<ClientRegion>();
    }

    public ActorSystem System { get; }
    public IActorRef Aggregator { get; }
    public IActorRef Clients { get; }

    public static async Task<BenchNode> StartAsync(string hocon)
    {
        var dir = Environment.GetEnvironmentVariable("FEDACTORS_BENCH_JOURNAL_DIR") is { Length: > 0 } root
            ? Directory.CreateDirectory(Path.Combine(root, $"fedactors-bench-{Guid.NewGuid():N}")).FullName
            : Directory.CreateTempSubdirectory("fedactors-bench-").FullName;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new NodeOptions
        {
            Port = port,
            SeedNodes = [$"akka.tcp://fedactors@127.0.0.1:{port}"],
            ConfigOverrides = "akka.loglevel = ERROR\n" + hocon,
            Journal = new JournalSettings("sqlite", $"Data Source={Path.Combine(dir, "journal.db")}"),
        };
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(options.ActorSystemName, (b, _) => b.AddFedActorsNode(options)))
            .Build();
        await host.StartAsync();
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new BenchNode(host, dir);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(20));
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
