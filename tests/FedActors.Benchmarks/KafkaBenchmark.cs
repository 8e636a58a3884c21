using System.Diagnostics;
using Confluent.Kafka;
using FedActors.Core.Model;
using FedActors.Core.Wire;
using FedActors.Kafka;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;

namespace FedActors.Benchmarks;

/// <summary>
/// Updates from Kafka to durable in the journal, against the raw consume rate of the same dev broker in the same run.
/// Raw: rounds of backlog (produced untimed, within the mock's 5 MiB a partition) read by a plain consumer. End to end:
/// sustained, a producer keeping at most one round's backlog ahead of the ingest.
/// </summary>
public static class KafkaBenchmark
{
    public static BenchReport Run(BenchOptions options)
    {
        var report = new BenchReport("kafka").Fact("machine", Measure.Machine());
        int rounds = options.Quick ? 3 : 6;
        var cases = new[] { ("binary_d100k", 100_000, 60, true), ("json_d10k", 10_000, 400, false) };
        foreach (var (name, d, perRound, binary) in cases.Where(c => Environment.GetEnvironmentVariable("FEDACTORS_BENCH_CASE") is not { } only || c.Item1 == only))
        {
            var (raw, e2e) = RunCase(d, perRound, binary, rounds).GetAwaiter().GetResult();
            report.Figure($"{name}_raw_consume_per_s", raw, $"{name}: raw consume of the same broker", "/s")
                  .Figure($"{name}_end_to_end_per_s", e2e, "  Kafka -> ClientActor -> aggregator -> journal, durable", "/s")
                  .Figure($"{name}_ratio", e2e / raw, "  ratio end-to-end / raw consume", "ratio");
        }
        return report;
    }

    private static async Task<(double Raw, double EndToEnd)> RunCase(int d, int perRound, bool binary, int rounds)
    {
        var topics = new KafkaTopics();
        using var broker = KafkaDevBroker.Start(3, topics.Specs());
        var producerConfig = KafkaProducerFlow.SeedConfig(broker.BootstrapServers);
        producerConfig.CompressionType = CompressionType.None;   // random floats do not compress; the mock counts stored bytes
        using var producer = new ProducerBuilder<string, byte[]>(producerConfig).Build();
        await using var node = await BenchNode.StartAsync($$"""
            fedactors.aggregation {
              strategy = fedbuff
              staleness { function = inverse_sqrt, max = 100000 }
              buffer { size = 15, time-window = 200ms }
              tick-interval = 20ms      # the window is checked often enough that a round's last partial buffer does not wait a second
              model { dimension = {{d}}, initial = zeros }
            }
            """);
        var rng = new Random(4);
        var payload = Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() * 1e-3)).ToArray();   // does not compress
        Message<string, byte[]> Encode(long seq)
        {
            var update = new ClientUpdate($"client-{seq % 200}", seq, ModelVersion.Initial, UpdateKind.Delta, payload, 100);
            var message = new Message<string, byte[]> { Key = update.ClientId, Value = binary ? BinaryWire.EncodeUpdate(update, DateTimeOffset.UtcNow) : JsonWire.EncodeUpdate(update, DateTimeOffset.UtcNow) };
            if (binary) message.Headers = new Headers { { "content-type", System.Text.Encoding.UTF8.GetBytes(BinaryWire.ContentType) } };
            return message;
        }

        // The raw rate, from a backlog: produce a round (untimed), read it with a plain consumer.
        double rawSeconds = 0;
        long sequence = 0;
        for (int round = 0; round <= rounds; round++)
        {
            for (int i = 0; i < perRound; i++) producer.Produce(topics.ClientUpdates, Encode(sequence++));
            producer.Flush(TimeSpan.FromSeconds(60));
            double raw = RawConsume(broker.BootstrapServers, topics.ClientUpdates, perRound);
            if (round > 0) rawSeconds += raw;
        }

        // End to end, sustained: one ingest runs while a producer keeps a bounded backlog ahead of it (within the mock's
        // 5 MiB a partition), so production, consumption, folding and journaling overlap as they would in service.
        // The messages are encoded before the clock starts, so encoding does not take CPU from the path measured.
        var stats = new IngestStats();
        var (control, completion) = UpdateIngest.Run(node.System, node.Clients, new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers, AutoOffsetReset = AutoOffsetReset.Latest, SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 1000, FetchWaitMaxMs = 10, MaxPartitionFetchBytes = 8 << 20, FetchMaxBytes = 64 << 20,
        }, producer, topics, new IngestSettings(), stats);
        while (control.Assignment.Count < 10) await Task.Delay(50);
        await Task.Delay(500);

        int warmup = perRound, measured = perRound * rounds * 5;
        var messages = new Message<string, byte[]>[warmup + measured];
        for (int i = 0; i < messages.Length; i++) messages[i] = Encode(sequence++);
        long backlogLimit = perRound;   // what one raw round holds: within the mock's retention
        var sw = new Stopwatch();
        long startDurable = 0;
        for (int i = 0; i < messages.Length; i++)
        {
            if (i == warmup)
            {
                var warming = Stopwatch.StartNew();
                while (stats.Durable < warmup)   // JIT, shards and journal warmed up
                {
                    if (warming.Elapsed > TimeSpan.FromSeconds(120))
                        throw new TimeoutException($"warm-up: {stats.Received} received, {stats.Durable} durable, {stats.Rejected} rejected ({string.Join(", ", stats.RejectedByReason)}), {stats.Redeliveries} redeliveries");
                    await Task.Delay(1);
                }
                startDurable = stats.Durable;
                sw.Start();
            }
            var stalled = Stopwatch.StartNew();
            while (i - stats.Durable - stats.Rejected >= backlogLimit)
            {
                if (stalled.Elapsed > TimeSpan.FromSeconds(120))
                    throw new TimeoutException($"no progress at {i} produced: {stats.Received} received, {stats.Durable} durable, {stats.Rejected} rejected, {stats.Redeliveries} redeliveries");
                await Task.Delay(1);
            }
            producer.Produce(topics.ClientUpdates, messages[i]);
        }
        var deadline = Stopwatch.StartNew();
        while (stats.Durable + stats.Rejected < messages.Length)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(120))
                throw new TimeoutException($"{stats.Received} received, {stats.Durable} durable, {stats.Rejected} rejected, {stats.Redeliveries} redeliveries");
            await Task.Delay(1);
        }
        double e2eSeconds = sw.Elapsed.TotalSeconds;
        if (stats.Rejected > 0) throw new InvalidOperationException($"{stats.Rejected} rejected: {string.Join(", ", stats.RejectedByReason)}");
        Console.Error.WriteLine($"  sustained: {(stats.Durable - startDurable) / e2eSeconds:F0}/s durable over {e2eSeconds:F1} s");
        await control.DrainAndShutdownAsync(completion);
        return (rounds * perRound / rawSeconds, (stats.Durable - startDurable) / e2eSeconds);
    }

    /// <summary>A plain consumer assigned every partition at its end minus the round: no group join, just fetching.</summary>
    private static double RawConsume(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "raw-bench", EnableAutoCommit = false, FetchWaitMaxMs = 10,
            MaxPartitionFetchBytes = 8 << 20, FetchMaxBytes = 64 << 20,
        }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        int partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Count;
        var assignment = Enumerable.Range(0, partitions).Select(p =>
        {
            var tp = new TopicPartition(topic, p);
            var high = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High;
            return (tp, high);
        }).ToList();
        var sw = Stopwatch.StartNew();
        // Everything the mock still retains is read from the beginning; the rate is over what was read.
        consumer.Assign(assignment.Select(a => new TopicPartitionOffset(a.tp, Offset.Beginning)));
        var low = assignment.Sum(a => consumer.QueryWatermarkOffsets(a.tp, TimeSpan.FromSeconds(10)).Low.Value);
        long total = assignment.Sum(a => a.high.Value) - low, seen = 0;
        while (seen < total && sw.Elapsed < TimeSpan.FromSeconds(120))
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } r && !r.IsPartitionEOF) seen++;
        return sw.Elapsed.TotalSeconds / seen * expected;   // seconds this round's records take at that rate
    }
}
