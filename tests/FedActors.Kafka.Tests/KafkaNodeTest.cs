using Confluent.Kafka;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;

namespace FedActors.Kafka.Tests;

/// <summary>What the transport tests stand on: a dev broker with the seed's topics, a producer, and a real node.</summary>
public abstract class KafkaNodeTest : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-kafka-").FullName;

    protected KafkaTopics Topics { get; } = new();
    protected KafkaDevBroker Broker { get; private set; } = null!;
    protected IProducer<string, byte[]> Producer { get; private set; } = null!;
    protected TestNode Node { get; private set; } = null!;
    protected FedActors.Cluster.Configuration.JournalSettings Journal => TestNode.SqliteJournal(_dir);

    /// <summary>HOCON for the node over the test defaults.</summary>
    protected virtual string? NodeConfig => null;

    /// <summary>Whether the node publishes versions on the model topic.</summary>
    protected virtual bool PublishesModels => true;

    public async Task InitializeAsync()
    {
        Broker = KafkaDevBroker.Start(3, Topics.Specs());
        Producer = new ProducerBuilder<string, byte[]>(KafkaProducerFlow.SeedConfig(Broker.BootstrapServers)).Build();
        Node = await TestNode.StartAsync(Journal, NodeConfig, publisher: PublishesModels ? new KafkaModelPublisher(Producer, Topics) : null,
            invitations: new KafkaInvitationSink(Producer, Topics));
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        Producer.Dispose();
        Broker.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    protected ConsumerConfig ConsumerConfig(string group = "ignored") => new()
    {
        BootstrapServers = Broker.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 1000,
        FetchWaitMaxMs = 10,
    };

    protected static Task Eventually(Func<bool> condition, string what, TimeSpan? within = null) =>
        Eventually(() => Task.FromResult(condition()), what, within);

    protected static Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        FedActors.Testing.Eventually.UntilAsync(condition, what, within);
}
