using Akka.Actor;
using FedActors.Testing;

namespace FedActors.Benchmarks;

/// <summary>
/// A real one-node cluster (the tests' <see cref="TestNode"/>) with a SQLite (WAL) journal in a folder of its own,
/// under FEDACTORS_BENCH_JOURNAL_DIR when set (e.g. /dev/shm to take the disk out of a measurement).
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly TestNode _node;
    private readonly string _dir;

    private BenchNode(TestNode node, string dir)
    {
        _node = node;
        _dir = dir;
    }

    public ActorSystem System => _node.System;
    public IActorRef Aggregator => _node.Aggregator;
    public IActorRef Clients => _node.Clients;

    public static async Task<BenchNode> StartAsync(string hocon)
    {
        var dir = Environment.GetEnvironmentVariable("FEDACTORS_BENCH_JOURNAL_DIR") is { Length: > 0 } root
            ? Directory.CreateDirectory(Path.Combine(root, $"fedactors-bench-{Guid.NewGuid():N}")).FullName
            : Directory.CreateTempSubdirectory("fedactors-bench-").FullName;
        return new BenchNode(await TestNode.StartAsync(TestNode.SqliteJournal(dir), "akka.loglevel = ERROR\n" + hocon), dir);
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
