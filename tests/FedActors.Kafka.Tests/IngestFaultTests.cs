using System.Text;
using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Core.Wire;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;

namespace FedActors.Kafka.Tests;

/// <summary>
/// The ingest crashes mid-stream (no final commit) and is started again, and a broker goes down and comes back:
/// every update is folded exactly once, counted by the aggregator and read back from the journal.
/// </summary>
public sealed class IngestFaultTests : IAsyncLifetime
{
    private readonly KafkaTopics _topics = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-kafka-faults-").FullName;
    private KafkaDevBroker _broker = null!;
    private IProducer<string, byte[]> _producer = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _broker = KafkaDevBroker.Start(3, _topics.Specs());
        _producer = new ProducerBuilder<string, byte[]>(KafkaProducerFlow.SeedConfig(_broker.BootstrapServers)).Build();
        _node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir), "fedactors.aggregation.buffer { size = 5, time-window = 1s }");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _producer.Dispose();
        _broker.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private ConsumerConfig Consumer() => new()
    {
        BootstrapServers = _broker.BootstrapServers,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 1000,
        FetchWaitMaxMs = 10,
    };

    private static byte[] Update(string client, long sequence) => JsonWire.EncodeUpdate(
        new Core.Model.ClientUpdate(client, sequence, Core.Model.ModelVersion.Initial, Core.Model.UpdateKind.Delta,
            Enumerable.Repeat(0.001f, 8).ToArray(), 50), DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_crashed_and_restarted_ingest_and_a_broker_outage_lose_nothing_and_fold_nothing_twice()
    {
        const int total = 300;
        using (var clients = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (int i = 0; i < total; i++)
                clients.Produce(_topics.ClientUpdates, new Message<string, byte[]> { Key = $"client-{i % 30}", Value = Update($"client-{i % 30}", i / 30) });
            Assert.Equal(0, clients.Flush(TimeSpan.FromSeconds(30)));
        }

        var settings = new IngestSettings { RedeliverAfter = TimeSpan.FromSeconds(15), CommitInterval = TimeSpan.FromMilliseconds(200) };
        var first = new IngestStats();
        var (control1, _) = UpdateIngest.Run(_node.System, _node.Clients, Consumer(), _producer, _topics, settings, first);
        await Eventually(() => first.Durable >= 100, "100 durable through the first ingest");
        await control1.AbortAsync();                                     // a crash: whatever was not committed is read again

        var second = new IngestStats();
        var (control2, completion2) = UpdateIngest.Run(_node.System, _node.Clients, Consumer(), _producer, _topics, settings, second);
        await Eventually(() => second.Received > 0, "the second ingest reads");
        _broker.SetBrokerDown(2);
        await Task.Delay(1500);
        _broker.SetBrokerUp(2);

        await Eventually(async () => (await Status()).UpdatesAccepted == total, $"all {total} folded", TimeSpan.FromSeconds(90));
        await Eventually(() => second.Received == second.Durable + second.Rejected, "the second ingest settled");
        var status = await Status();
        Assert.Equal(total, status.UpdatesAccepted);                     // none lost, none folded twice
        Assert.Equal(0, status.UpdatesRejected);
        Assert.True(first.Received + second.Received > total, "the crash made the second ingest read some records again");

        var folded = (await JournalReader.AggregationsAsync(TestNode.SqliteJournal(_dir), _node.System)).SelectMany(e => e.Info.FoldedKeys).ToList();
        Assert.Equal(total, folded.Count);
        Assert.Equal(total, folded.Distinct().Count());
        await control2.DrainAndShutdownAsync(completion2);
    }

    private Task<AggregatorProtocol.Status> Status() =>
        _node.Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(10));

    private static Task Eventually(Func<bool> condition, string what, TimeSpan? within = null) =>
        Eventually(() => Task.FromResult(condition()), what, within);

    private static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not reached in time: {what}");
            await Task.Delay(100);
        }
    }
}
