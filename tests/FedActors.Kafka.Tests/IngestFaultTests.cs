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
public sealed class IngestFaultTests : KafkaNodeTest
{
    protected override string NodeConfig => "fedactors.aggregation.buffer { size = 5, time-window = 1s }";
    protected override bool PublishesModels => false;

    private static byte[] Update(string client, long sequence) => JsonWire.EncodeUpdate(
        new Core.Model.ClientUpdate(client, sequence, Core.Model.ModelVersion.Initial, Core.Model.UpdateKind.Delta,
            Enumerable.Repeat(0.001f, 8).ToArray(), 50), DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_crashed_and_restarted_ingest_and_a_broker_outage_lose_nothing_and_fold_nothing_twice()
    {
        const int total = 300;
        using (var clients = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (int i = 0; i < total; i++)
                clients.Produce(Topics.ClientUpdates, new Message<string, byte[]> { Key = $"client-{i % 30}", Value = Update($"client-{i % 30}", i / 30) });
            Assert.Equal(0, clients.Flush(TimeSpan.FromSeconds(30)));
        }

        var settings = new IngestSettings { RedeliverAfter = TimeSpan.FromSeconds(15), CommitInterval = TimeSpan.FromMilliseconds(200) };
        // The first ingest never gets to commit, so the crash leaves durable but uncommitted records whatever the
        // timing: the second ingest reads all of them again and must not fold them twice.
        var neverCommits = settings with { CommitBatch = int.MaxValue, CommitInterval = TimeSpan.FromHours(1) };
        var first = new IngestStats();
        var (control1, _) = UpdateIngest.Run(Node.System, Node.Clients, ConsumerConfig(), Producer, Topics, neverCommits, first);
        await Eventually(() => first.Durable >= 100, "100 durable through the first ingest");
        await control1.AbortAsync();                                     // a crash: whatever was not committed is read again

        var second = new IngestStats();
        var (control2, completion2) = UpdateIngest.Run(Node.System, Node.Clients, ConsumerConfig(), Producer, Topics, settings, second);
        await Eventually(() => second.Received > 0, "the second ingest reads");
        Broker.SetBrokerDown(2);
        await Task.Delay(1500);
        Broker.SetBrokerUp(2);

        await Eventually(async () => (await Status()).UpdatesAccepted == total, $"all {total} folded", TimeSpan.FromSeconds(90));
        await Eventually(() => second.Received == second.Durable + second.Rejected, "the second ingest settled");
        var status = await Status();
        Assert.Equal(total, status.UpdatesAccepted);                     // none lost, none folded twice
        Assert.Equal(0, status.UpdatesRejected);
        Assert.True(second.Received >= total, "nothing was committed before the crash, so the second ingest reads it all");
        Assert.True(status.DuplicatesAcknowledged >= first.Durable, "what the first ingest made durable came back as duplicates");

        var folded = (await JournalReader.AggregationsAsync(Journal, Node.System)).SelectMany(e => e.Info.FoldedKeys).ToList();
        Assert.Equal(total, folded.Count);
        Assert.Equal(total, folded.Distinct().Count());
        await control2.DrainAndShutdownAsync(completion2);
    }

    private Task<AggregatorProtocol.Status> Status() => Node.StatusAsync();

}
