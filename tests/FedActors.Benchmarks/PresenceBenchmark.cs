using System.Diagnostics;
using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Clients;
using FedActors.Core.Clients;
using FedActors.Core.Wire;
using FedActors.Kafka;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;

namespace FedActors.Benchmarks;

/// <summary>
/// Registering clients: straight into the shard region, and over the registration topic through the presence ingest,
/// against the raw consume rate of the same topic in the same run. Registrations go in chunks of a window, so the
/// mock broker's 5 MiB a partition never drops one.
/// </summary>
public static class PresenceBenchmark
{
    public static BenchReport Run(BenchOptions options)
    {
        int n = options.Quick ? 30_000 : 100_000;
        var (raw, presence, direct) = RunCase(n).GetAwaiter().GetResult();
        return new BenchReport("presence").Fact("machine", Measure.Machine()).Fact("clients", n)
            .Figure("raw_consume_per_s", raw, "raw consume of the registration topic", "/s")
            .Figure("presence_read_per_s", presence, "  registration topic -> presence ingest -> ClientActor told", "/s")
            .Figure("presence_ratio", presence / raw, "  ratio presence / raw consume", "ratio")
            .Figure("direct_register_per_s", direct, "register straight into the shard region, counted by the index", "/s");
    }

    private static async Task<(double Raw, double Presence, double Direct)> RunCase(int n)
    {
        var topics = new KafkaTopics();
        using var broker = KafkaDevBroker.Start(3, topics.Specs());
        // The dev broker serves one producer batch per partition per fetch (rdkafka_mock_handlers.c: "FIXME: Multiple
        // messageSets ?"), so its rate is in batches, not bytes: both phases produce with the same linger.
        var producerConfig = KafkaProducerFlow.SeedConfig(broker.BootstrapServers);
        producerConfig.LingerMs = 50;
        using var producer = new ProducerBuilder<string, byte[]>(producerConfig).Build();
        await using var node = await BenchNode.StartAsync("fedactors.clients.selection.concurrency = 0");
        byte[] Registration(string id) => JsonWire.EncodeRegistration(new Registration(id, DateTimeOffset.UtcNow, new ClientCapabilities(4, 8, false)));

        // Raw: a window of registrations produced untimed, read back by a plain consumer.
        int window = 20_000;
        for (int i = 0; i < window; i++) producer.Produce(topics.ClientRegistration, new Message<string, byte[]> { Key = $"raw-{i}", Value = Registration($"raw-{i}") });
        producer.Flush(TimeSpan.FromSeconds(60));
        double raw = RawConsume(broker.BootstrapServers, topics.ClientRegistration, window);

        // Presence: produced a window ahead of what the ingest has read.
        var stats = new IngestStats();
        var (control, completion) = PresenceIngest.Run(node.System, node.Clients, new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers, GroupId = "bench", AutoOffsetReset = AutoOffsetReset.Latest, SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 1000, FetchWaitMaxMs = 10,
        }, producer, topics, stats);
        while (control.Assignment.Count < 3) await Task.Delay(50);
        await Task.Delay(500);
        var sw = Stopwatch.StartNew();
        // In chunks of a window, each once the last was read: a sliding window would produce at the rate it is read, in
        // small batches, which the dev broker serves one per partition per fetch.
        for (int i = 0; i < n; i++)
        {
            if (i % window == 0) while (stats.Presence < i) await Task.Delay(1);
            producer.Produce(topics.ClientRegistration, new Message<string, byte[]> { Key = $"c-{i}", Value = Registration($"c-{i}") });
        }
        while (stats.Presence < n && sw.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(1);
        double presence = stats.Presence / sw.Elapsed.TotalSeconds;
        await control.DrainAndShutdownAsync(completion);

        // Direct: Register messages into the region, counted once every ClientActor told the index.
        var index = Akka.Hosting.ActorRegistry.For(node.System).Get<Cluster.Hosting.ClientIndex>();
        async Task<int> Known() => (await index.Ask<ClientIndexProtocol.Page>(new ClientIndexProtocol.Query(null, null, 0), TimeSpan.FromSeconds(30))).Matching;
        int before = await Known();
        sw.Restart();
        for (int i = 0; i < n; i++) node.Clients.Tell(new ClientProtocol.Register($"d-{i}", new ClientCapabilities(4, 8, false)));
        while (await Known() - before < n && sw.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(10);
        double direct = n / sw.Elapsed.TotalSeconds;
        return (raw, presence, direct);
    }

    private static double RawConsume(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "raw-bench", EnableAutoCommit = false, FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var sw = Stopwatch.StartNew();
        int seen = 0;
        while (seen < expected && sw.Elapsed < TimeSpan.FromSeconds(120))
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r && !r.IsPartitionEOF) seen++;
        return seen / sw.Elapsed.TotalSeconds;
    }
}
