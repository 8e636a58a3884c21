using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Hosting;
using FedActors.Kafka;
using FedActors.Kafka.DevBroker;
using FedActors.Simulation.Learning;

namespace FedActors.LoadTest.Tests;

/// <summary>Simulated client actors against a real node (SQLite journal, a dev broker for the model topic).</summary>
public sealed class DriverTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-load-").FullName;
    private readonly KafkaTopics _topics = new();
    private KafkaDevBroker _broker = null!;
    private IProducer<string, byte[]> _producer = null!;

    public Task InitializeAsync()
    {
        _broker = KafkaDevBroker.Start(1, _topics.Specs(1));
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _producer.Dispose();
        _broker.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private LoadTarget Target(TestNode node) => new(node.System, node.Clients, node.Aggregator, node.Selector,
        _broker.BootstrapServers, _topics, new ProducerConfig { BootstrapServers = _broker.BootstrapServers });

    [Fact]
    public async Task Clients_register_train_when_invited_and_every_update_is_folded_and_broadcast()
    {
        await using var node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir), """
            fedactors.aggregation.buffer.size = 5
            fedactors.clients.selection { strategy = random, concurrency = 20, fill-interval = 20ms }
            fedactors.clients.selection.criteria { min-samples = 0, max-staleness = 1000 }
            """, publisher: new KafkaModelPublisher(_producer, _topics));
        var options = new LoadTestOptions
        {
            Clients = 300, Duration = TimeSpan.FromSeconds(3), MedianTrainingSeconds = 0.05, DropoutProbability = 0, OfflineProbability = 0,
        };
        var report = await LoadTestDriver.RunAsync(Target(node), options);

        Assert.Equal(300, report.Registration.Known);
        Assert.True(report.Invitations);
        Assert.Equal(20, report.Concurrency);
        Assert.InRange(report.Clients.TrainingAtEnd, 0, 20);                   // never more than the concurrency
        Assert.True(report.Updates.Folded > 0, "updates were folded");
        Assert.Equal(0, report.Updates.RejectedAtClients);
        Assert.Equal(0, report.Updates.RejectedByAggregatorInWindow);
        Assert.True(report.Updates.AcknowledgedDurable >= report.Updates.Folded - 20, "what was folded was acknowledged (up to the last batch in flight)");
        Assert.True(report.LatencyMs.SentToFolded.Count > 0 && report.LatencyMs.SentToFolded.P50 > 0);
        Assert.True(report.LatencyMs.SentToBroadcast.Count > 0, "versions came back on the model topic");
        Assert.True(report.LatencyMs.SentToBroadcast.P50 >= report.LatencyMs.SentToFolded.P50 * 0.5);
        Assert.True(report.Staleness.Count >= report.Updates.Folded);
        Assert.True(report.Memory.ServerBytesPerRegisteredClient > 0 && report.Memory.SimulatedBytesPerClient > 0);
        var status = await node.StatusAsync();
        Assert.True(status.DurableVersion.Value >= report.FinalVersion, "the report's last version is the node's, or the node went on (updates still in flight)");
        Assert.Contains("\"sent_to_folded\"", report.ToJson());
    }

    [Fact]
    public async Task Clients_without_invitations_train_on_their_own_and_the_rate_limit_holds_them_back()
    {
        await using var node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir), """
            fedactors.aggregation.buffer.size = 2
            fedactors.clients.selection.concurrency = 0
            """, publisher: new KafkaModelPublisher(_producer, _topics));
        var options = new LoadTestOptions
        {
            Clients = 50, Duration = TimeSpan.FromSeconds(3), MedianTrainingSeconds = 0.01, Rate = 20, DropoutProbability = 0, OfflineProbability = 0,
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await LoadTestDriver.RunAsync(Target(node), options);
        Assert.False(report.Invitations);
        Assert.True(report.Updates.Sent > 0);
        // 20/s from the first send on: however long the run took, no more than that were sent.
        Assert.True(report.Updates.Sent <= 20 * clock.Elapsed.TotalSeconds + 1, $"{report.Updates.Sent} sent in {clock.Elapsed}");
    }

    [Fact]
    public async Task Learning_clients_train_a_real_task_and_the_evaluator_scores_each_version()
    {
        var task = LearningTasks.Create(LearningTasks.Synthetic, new LearningTaskOptions(Clients: 20, Seed: 1));
        await using var node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir), $$"""
            fedactors.aggregation.strategy = fedavg_staleness_aware
            fedactors.aggregation.staleness { function = inverse_linear, max = 100 }
            fedactors.aggregation.model { dimension = {{task.Dimension}}, initial = zeros }
            fedactors.aggregation.buffer.size = 5
            fedactors.clients.selection { strategy = random, concurrency = 10, fill-interval = 20ms }
            fedactors.clients.selection.criteria { min-samples = 0, max-staleness = 100 }
            """, publisher: new KafkaModelPublisher(_producer, _topics), evaluator: new TaskEvaluator(task));
        var options = new LoadTestOptions { Clients = 20, Duration = TimeSpan.FromSeconds(4), MedianTrainingSeconds = 0.02, DropoutProbability = 0, OfflineProbability = 0 };
        var work = new LearningWork(task, new LocalTrainingSettings(Epochs: 2, LearningRate: 0.05f));
        var report = await LoadTestDriver.RunAsync(Target(node), options, work, samples: task.Clients.Select(c => c.Count).ToArray());
        Assert.True(report.FinalVersion >= 3, $"versions: {report.FinalVersion}");

        double initial = task.Evaluate(task.InitialParameters()).Accuracy;
        var latest = await Eventually.ValueAsync(async () => (await node.Registry.Get<GlobalEvaluator>()
            .Ask<Cluster.Evaluation.GlobalEvaluatorActor.Latest>(new Cluster.Evaluation.GlobalEvaluatorActor.GetLatest(), TimeSpan.FromSeconds(10))).Evaluation,
            e => e is not null && e.Version.Value >= 3, "an evaluation of version 3 or later");
        var model = await node.Aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(10));
        Assert.True(latest!.Accuracy > initial + 0.1, $"test accuracy {latest.Accuracy:F3} from {initial:F3}");
        // The evaluator's numbers are the task's own on that version's parameters, and reach the convergence history.
        var convergence = await node.Aggregator.Ask<AggregatorProtocol.Convergence>(new AggregatorProtocol.GetConvergence(), TimeSpan.FromSeconds(10));
        Assert.Contains(convergence.History, p => p.Version == latest.Version && p.GlobalAccuracy == latest.Accuracy);
        if (model.Version == latest.Version) Assert.Equal(task.Evaluate(model.Parameters).Accuracy, latest.Accuracy!.Value, 9);
    }
}
