using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FedActors.Kafka.DevBroker;

namespace FedActors.Kafka.Tests;

/// <summary>
/// The dev broker on fixed loopback ports (what `fedactors kafka-dev` runs): clients reach it and its metadata points
/// them back to the same ports, not to the mock's own. And topic provisioning as it is used on real Kafka.
/// </summary>
public sealed class FixedPortBrokerTests
{
    [Fact]
    public void Clients_produce_and_consume_through_the_fixed_ports_the_metadata_advertises()
    {
        var ports = new[] { TestNode.FreePort(), TestNode.FreePort(), TestNode.FreePort() };
        using var broker = KafkaDevBroker.Start(3, new KafkaTopics().Specs(), ports);
        Assert.Equal(string.Join(",", ports.Select(p => $"127.0.0.1:{p}")), broker.BootstrapServers);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            var advertised = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => (b.Host, b.Port)).OrderBy(b => b.Port);
            Assert.Equal(ports.Order().Select(p => ("127.0.0.1", p)), advertised);
        }
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, Acks = Acks.All, EnableIdempotence = true }).Build())
        {
            for (int i = 0; i < 200; i++)
                producer.Produce("fl_client_updates_async", new Message<string, string> { Key = $"c{i % 20}", Value = i.ToString() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers, GroupId = "fixed", AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000, HeartbeatIntervalMs = 1000, FetchWaitMaxMs = 10,
        }).Build();
        consumer.Subscribe("fl_client_updates_async");
        var seen = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < 200 && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r) seen.Add(r.Message.Value);
        Assert.Equal(200, seen.Count);
        consumer.Close();
    }

    [Fact]
    public void A_port_already_taken_is_refused_with_the_port_named()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var e = Assert.Throws<InvalidOperationException>(() => KafkaDevBroker.Start(1, [], [port]));
            Assert.Contains($"127.0.0.1:{port}", e.Message);
        }
        finally { taken.Stop(); }
    }

    [Fact]
    public void Real_kafka_is_asked_for_the_seeds_partitions_replication_cleanup_and_retention()
    {
        var specs = TopicProvisioner.Specifications(new KafkaTopics().Specs(), brokers: 5).ToDictionary(s => s.Name);
        Assert.Equal(10, specs["fl_client_updates_async"].NumPartitions);
        Assert.Equal(3, specs["fl_client_updates_async"].ReplicationFactor);
        Assert.Equal("delete", specs["fl_client_updates_async"].Configs["cleanup.policy"]);
        Assert.Equal("3600000", specs["fl_client_updates_async"].Configs["retention.ms"]);
        Assert.Equal("compact", specs["fl_global_model_async"].Configs["cleanup.policy"]);
        Assert.Equal(1, specs["fl_global_model_async"].NumPartitions);
        Assert.Equal(3, specs["fl_client_registration"].NumPartitions);
        Assert.Equal(5, specs["fl_system_events"].NumPartitions);
        // A single-broker cluster cannot hold three replicas; asking for them would fail the whole start.
        Assert.All(TopicProvisioner.Specifications(new KafkaTopics().Specs(), brokers: 1), s => Assert.Equal(1, s.ReplicationFactor));
    }

    [Fact]
    public async Task Existing_topics_are_left_alone_and_one_with_too_few_partitions_is_refused_by_name()
    {
        using var broker = KafkaDevBroker.Start(3, new KafkaTopics().Specs());
        Assert.Empty(await TopicProvisioner.EnsureAsync(broker.BootstrapServers, new KafkaTopics().Specs(), TimeSpan.FromSeconds(10)));

        var wider = new KafkaTopics().Specs().Select(t => t.Name == "fl_client_registration" ? t with { Partitions = 12 } : t);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => TopicProvisioner.EnsureAsync(broker.BootstrapServers, wider, TimeSpan.FromSeconds(10)));
        Assert.Contains("fl_client_registration", e.Message);
        Assert.Contains("3 partitions", e.Message);
    }
}
