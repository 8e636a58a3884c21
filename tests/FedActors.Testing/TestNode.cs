using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FedActors.Testing;

/// <summary>A real FedActors node on loopback: Akka.Hosting, remoting, clustering, the SQL journal.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly IHost _host;

    private TestNode(IHost host, int port)
    {
        _host = host;
        Port = port;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<IActorRegistry>();
    }

    public int Port { get; }
    public ActorSystem System { get; }
    public IActorRegistry Registry { get; }
    public IActorRef Aggregator => Registry.Get<AggregatorProxy>();
    public IActorRef Clients => Registry.Get<ClientRegion>();
    public IActorRef Selector => Registry.Get<ClientSelectorProxy>();
    public string Address => $"akka.tcp://fedactors@127.0.0.1:{Port}";

    public Task<FedActors.Cluster.Aggregation.AggregatorProtocol.Status> StatusAsync() =>
        Aggregator.Ask<FedActors.Cluster.Aggregation.AggregatorProtocol.Status>(new FedActors.Cluster.Aggregation.AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(20));

    /// <summary>Fast test settings over the reference config; <paramref name="hocon"/> goes on top.</summary>
    public const string TestDefaults = """
        fedactors.aggregation {
          strategy = fedbuff
          staleness { function = constant, max = 1000 }
          buffer { size = 5, time-window = 1h }
          model { dimension = 8, initial = normal }
          tick-interval = 100ms
        }
        akka.loglevel = WARNING
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """;

    public static async Task<TestNode> StartAsync(JournalSettings journal, string? hocon = null, int? port = null,
        string[]? seeds = null, FedActors.Cluster.Aggregation.IModelPublisher? publisher = null, FedActors.Cluster.Selection.IInvitationSink? invitations = null,
        FedActors.Cluster.Evaluation.IModelEvaluator? evaluator = null)
    {
        int p = port ?? FreePort();
        var options = new NodeOptions
        {
            Port = p,
            SeedNodes = seeds ?? [$"akka.tcp://fedactors@127.0.0.1:{p}"],
            ConfigOverrides = TestDefaults + "\n" + (hocon ?? ""),   // later keys win in HOCON
            Journal = journal,
            Publisher = publisher,
            Invitations = invitations,
            Evaluator = evaluator,
        };
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka(options.ActorSystemName, (builder, _) => builder.AddFedActorsNode(options)))
            .Build();
        await host.StartAsync();
        var node = new TestNode(host, p);
        await node.WaitUntilUpAsync();
        return node;
    }

    public async Task WaitUntilUpAsync()
    {
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        if (await Task.WhenAny(up.Task, Task.Delay(TimeSpan.FromSeconds(30))) != up.Task)
            throw new TimeoutException($"node {Address} did not join the cluster");
    }

    /// <summary>Gone without leaving: no coordinated shutdown, so the others must notice and down it.</summary>
    public async Task CrashAsync()
    {
        await System.Terminate();
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)); } catch { /* already gone */ }
        _host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(20)); }
        finally { _host.Dispose(); }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static JournalSettings SqliteJournal(string directory) =>
        new("sqlite", $"Data Source={Path.Combine(directory, "journal.db")}");
}
