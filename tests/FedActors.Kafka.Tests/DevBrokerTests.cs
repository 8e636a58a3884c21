using System.Text;
using Confluent.Kafka;
using FedActors.Kafka;
using FedActors.Kafka.DevBroker;

namespace FedActors.Kafka.Tests;

/// <summary>The dev broker is a real Kafka-protocol broker: a plain Confluent client produces and consumes through it.</summary>
public sealed class DevBrokerTests : IDisposable
{
    private readonly KafkaDevBroker _broker = KafkaDevBroker.Start(3, new KafkaTopics().Specs());

    private ProducerConfig Producer() => new()
    {
        BootstrapServers = _broker.BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        MessageTimeoutMs = 60_000,
    };

    private ConsumerConfig Consumer(string group) => new()
    {
        BootstrapServers = _broker.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 1000,
        FetchWaitMaxMs = 10,
    };

    [Fact]
    public void Prints_loopback_bootstrap_servers_for_every_broker()
    {
        var servers = _broker.BootstrapServers.Split(',');
        Assert.Equal(3, servers.Length);
        Assert.All(servers, s => Assert.StartsWith("127.0.0.1:", s));
    }

    [Fact]
    public void Has_the_seeds_topics_with_their_partition_counts()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var partitions = metadata.Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
        Assert.Equal(10, partitions["fl_client_updates_async"]);
        Assert.Equal(1, partitions["fl_global_model_async"]);
        Assert.Equal(3, partitions["fl_client_registration"]);
        Assert.Equal(5, partitions["fl_system_events"]);
        Assert.All(metadata.Topics.Single(t => t.Topic == "fl_client_updates_async").Partitions, p => Assert.Equal(3, p.Replicas.Length));
    }

    [Fact]
    public void Keyed_messages_come_back_to_a_consumer_group_in_order_per_key()
    {
        using (var producer = new ProducerBuilder<string, string>(Producer()).Build())
        {
            for (int i = 0; i < 600; i++)
                producer.Produce("fl_client_updates_async", new Message<string, string> { Key = $"client-{i % 30}", Value = i.ToString() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        var seen = Consume("test-group", 600);
        Assert.Equal(600, seen.Count);
        foreach (var group in seen.GroupBy(m => m.Key))
            Assert.Equal(group.Select(m => int.Parse(m.Value)).Order(), group.Select(m => int.Parse(m.Value)));
    }

    [Fact]
    public void Nothing_is_lost_while_a_broker_is_down_and_comes_back()
    {
        using var producer = new ProducerBuilder<string, string>(Producer()).Build();
        var failures = 0;
        for (int i = 0; i < 3000; i++)
        {
            if (i == 1000) _broker.SetBrokerDown(1);
            if (i == 2000) _broker.SetBrokerUp(1);
            producer.Produce("fl_client_registration", new Message<string, string> { Key = $"k{i % 50}", Value = i.ToString() },
                r => { if (r.Error.IsError) Interlocked.Increment(ref failures); });
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, failures);
        var seen = Consume("outage-group", 3000, "fl_client_registration");
        Assert.Equal(Enumerable.Range(0, 3000).ToHashSet(), seen.Select(m => int.Parse(m.Value)).ToHashSet());
    }

    private List<Message<string, string>> Consume(string group, int expected, string topic = "fl_client_updates_async")
    {
        using var consumer = new ConsumerBuilder<string, string>(Consumer(group)).Build();
        consumer.Subscribe(topic);
        var seen = new List<Message<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < expected && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r) seen.Add(r.Message);
        consumer.Close();
        return seen;
    }

    public void Dispose() => _broker.Dispose();
}
