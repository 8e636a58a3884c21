using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Configuration;
using FedActors.Core.Model;

namespace FedActors.Cluster.Tests;

/// <summary>
/// Persist aggregations, restart the node, and get the same model back bit for bit, with the optimizer state and the
/// idempotency ledger, from the journal alone and from a snapshot plus the journal after it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RecoveryTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-recovery-").FullName;

    // FedAvg over full weights and deltas with FedYogi: model, history and optimizer state all have to come back.
    private const string Hocon = """
        fedactors.aggregation {
          strategy = fedavg_staleness_aware
          staleness { function = inverse_linear, max = 20 }
          server-optimizer { name = fedyogi, parameters { learning-rate = 0.05 } }
          buffer.size = 3
          model.dimension = 64
        }
        """;

    public static TheoryData<string, int> Journals() => new()
    {
        { "sqlite", 1000 },   // journal only
        { "sqlite", 2 },      // snapshots every 2 aggregations, older events deleted
        { "postgres", 1000 },
        { "postgres", 2 },
    };

    [Theory]
    [MemberData(nameof(Journals))]
    public async Task A_restarted_node_recovers_the_model_bit_for_bit(string provider, int snapshotEvery)
    {
        var journal = provider == "sqlite" ? TestNode.SqliteJournal(_dir) : new JournalSettings("postgres", await postgres.NewDatabaseAsync());
        string hocon = Hocon + $"\nfedactors.journal.snapshot-every = {snapshotEvery}";
        var rng = new Random(2026);

        AggregatorProtocol.Model before;
        ClientUpdate folded;
        await using (var node = await TestNode.StartAsync(journal, hocon))
        {
            var probe = Updates.Probe(node.System);
            long version = 0;
            folded = Updates.Delta("first", 0, 0, 64);
            for (int i = 0; i < 21; i++)
            {
                var values = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
                var update = i == 0 ? folded
                    : new ClientUpdate($"c{i % 5}", i, new ModelVersion(Math.Max(0, version - i % 3)), i % 2 == 0 ? UpdateKind.Weights : UpdateKind.Delta,
                        values, 10 + i);
                node.Clients.Tell(Updates.Submit(update, probe.Ref));
                if (i % 3 == 2)
                    for (int k = 0; k < 3; k++) version = probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(15)).FoldedInto.Value;
            }
            Assert.Equal(7, version);
            before = await node.Aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(10));
        }

        await using (var node = await TestNode.StartAsync(journal, hocon))
        {
            var after = await node.Aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(30));
            Assert.Equal(before.Version, after.Version);
            Assert.Equal(before.Parameters, after.Parameters);               // bit for bit
            var status = await node.StatusAsync();
            Assert.True(status.Recovered);
            Assert.Equal(7, status.Aggregations);
            // With snapshots every 2 aggregations, recovery starts from the one at version 6 and replays the 7th.
            Assert.Equal(snapshotEvery == 2 ? new ModelVersion(6) : null, status.RecoveredFromSnapshotAt);

            // The ledger came back: the first update, redelivered, is acknowledged, not folded again.
            var probe = Updates.Probe(node.System);
            node.Clients.Tell(Updates.Submit(folded, probe.Ref));
            Assert.True(probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(15)).Redelivered);

            // And it carries on from there (base models and optimizer state included).
            for (int i = 0; i < 3; i++)
                node.Clients.Tell(Updates.Submit(new ClientUpdate("late", 100 + i, new ModelVersion(5 + i), UpdateKind.Weights,
                    before.Parameters.Select(v => v + 0.01f).ToArray(), 50), probe.Ref));
            for (int i = 0; i < 3; i++) Assert.Equal(new ModelVersion(8), probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(15)).FoldedInto);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
