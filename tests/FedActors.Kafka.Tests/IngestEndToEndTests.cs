using System.Text;
using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Core.Model;
using FedActors.Core.Wire;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;

namespace FedActors.Kafka.Tests;

/// <summary>
/// The whole path with real parts: plain Confluent clients produce the seed's JSON to the dev broker, the ingest
/// stream feeds a real node, and new versions come back on the model topic; malformed messages come back on the
/// system-events topic with their reasons, and the stream goes on.
/// </summary>
public sealed class IngestEndToEndTests : KafkaNodeTest
{

    private static byte[] SeedJson(string client, int sequence, float value)
    {
        string weights = JsonWire.ToBase64(Enumerable.Repeat(value, 8).ToArray());
        return Encoding.UTF8.GetBytes(
            "{\"client_id\":\"" + client + "\",\"timestamp\":\"2026-12-03T10:00:" + sequence.ToString("D2") + "Z\",\"model_version\":0," +
            "\"update_type\":\"delta\",\"data\":{\"weights\":\"" + weights + "\",\"num_samples\":100,\"training_loss\":0.3}," +
            "\"metadata\":{\"training_duration\":1.5,\"client_resources\":{\"cpu_cores\":2,\"memory_gb\":4,\"gpu_available\":false}}}");
    }

    [Fact]
    public async Task Updates_from_plain_Kafka_clients_become_versions_on_the_model_topic_and_bad_ones_system_events()
    {
        var stats = new IngestStats();
        var (control, completion) = UpdateIngest.Run(Node.System, Node.Clients, ConsumerConfig("ignored"), Producer, Topics,
            new IngestSettings { RedeliverAfter = TimeSpan.FromSeconds(20) }, stats);

        using (var clients = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (int i = 0; i < 40; i++)
                clients.Produce(Topics.ClientUpdates, new Message<string, byte[]> { Key = $"client-{i % 8}", Value = SeedJson($"client-{i % 8}", i, 0.01f) });
            clients.Produce(Topics.ClientUpdates, new Message<string, byte[]> { Key = "bad-1", Value = "{ not json"u8.ToArray() });
            clients.Produce(Topics.ClientUpdates, new Message<string, byte[]> { Key = "bad-2", Value = SeedJson("bad-2", 1, 1).Select(b => b == (byte)'A' ? (byte)'!' : b).ToArray() });
            clients.Produce(Topics.ClientUpdates, new Message<string, byte[]> { Key = "bad-3", Value = "{\"client_id\":\"bad-3\"}"u8.ToArray() });
            Assert.Equal(0, clients.Flush(TimeSpan.FromSeconds(30)));
        }

        await Eventually(() => stats.Durable == 40 && stats.Rejected == 3, "40 durable, 3 rejected");
        Assert.Equal(1, stats.RejectedByReason["not_json"]);
        Assert.Equal(1, stats.RejectedByReason["invalid_base64"]);
        Assert.Equal(1, stats.RejectedByReason["missing_field"]);

        // Version 0 (a fresh cluster broadcasts its initial model), then one version per 5 updates.
        var broadcasts = Read(Topics.GlobalModel, 9).Select(m => JsonWire.DecodeBroadcast(m.Value)).ToList();
        Assert.Equal(Enumerable.Range(0, 9).Select(v => (long)v), broadcasts.Select(b => b.Version.Value).Order());
        Assert.All(broadcasts.Where(b => b.Version.Value > 0), b => Assert.InRange(b.NumClientsParticipated, 1, 5));
        Assert.All(broadcasts, b => Assert.Equal("fedbuff", b.AggregationMethod));
        var model = await Node.Aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(10));
        Assert.Equal(model.Parameters, broadcasts.Single(b => b.Version == model.Version).Parameters.ToArray());

        var events = Read(Topics.SystemEvents, 3).Select(m => JsonWire.DecodeSystemEvent(m.Value)).ToList();
        Assert.Equal(new[] { "invalid_base64", "missing_field", "not_json" }, events.Select(e => e.Reason).Order());
        Assert.All(events, e => Assert.StartsWith($"{Topics.ClientUpdates}/", e.Source));

        // Drain and shut down commits what was acknowledged: a new member of the group starts after all 43.
        await control.DrainAndShutdownAsync(completion);
        Assert.True(control.Commits > 0);
        using var next = new ConsumerBuilder<string, byte[]>(ConsumerConfig("async_fl_server")).Build();
        var partitions = Enumerable.Range(0, 10).Select(p => new TopicPartition(Topics.ClientUpdates, p)).ToList();
        var committed = next.Committed(partitions, TimeSpan.FromSeconds(10));
        long total = committed.Sum(c => c.Offset.Value < 0 ? 0 : c.Offset.Value);
        Assert.Equal(43, total);
    }

    private List<Message<string, byte[]>> Read(string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(ConsumerConfig($"reader-{Guid.NewGuid():N}")).Build();
        consumer.Subscribe(topic);
        var seen = new List<Message<string, byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (seen.Count < expected && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r) seen.Add(r.Message);
        consumer.Close();
        Assert.Equal(expected, seen.Count);
        return seen;
    }

}
