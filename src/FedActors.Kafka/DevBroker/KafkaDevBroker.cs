using System.Runtime.InteropServices;
using System.Text;

namespace FedActors.Kafka.DevBroker;

/// <summary>A topic the dev broker creates: the mock has no CreateTopics, so topics are made through its own API.</summary>
public sealed record TopicSpec(string Name, int Partitions, int ReplicationFactor)
{
    /// <summary>Topic configs for real Kafka (cleanup.policy, retention.ms, ...); the mock ignores them.</summary>
    public IReadOnlyDictionary<string, string> Configs { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A Kafka-protocol broker for development, tests and the embedded default: librdkafka's mock cluster, speaking the
/// real wire protocol on loopback. Any Kafka client connects to <see cref="BootstrapServers"/>; in production the
/// same FedActors code points at real Kafka. Limits to respect (shared/notes): each partition keeps at most 5 MiB or
/// 100,000 batches and drops older data silently; no CreateTopics, no compaction; never call ListConsumerGroups.
/// </summary>
public sealed class KafkaDevBroker : IDisposable
{
    private readonly object _gate = new();
    private IntPtr _client, _cluster;
    private readonly List<LoopbackForwarder> _forwarders = [];

    private KafkaDevBroker(IntPtr client, IntPtr cluster, int brokers)
    {
        _client = client;
        _cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("the mock cluster has no bootstrap servers");
    }

    public string BootstrapServers { get; private set; }
    public int Brokers { get; }

    /// <summary>
    /// Starts a mock cluster of <paramref name="brokers"/> brokers (ids 1..n) and creates <paramref name="topics"/>.
    /// With <paramref name="ports"/> (one per broker) the brokers are reached and advertised on those loopback ports,
    /// so clients configured by hand find it at the same address every time; without, the OS chooses.
    /// </summary>
    public static KafkaDevBroker Start(int brokers = 3, IEnumerable<TopicSpec>? topics = null, IReadOnlyList<int>? ports = null)
    {
        if (brokers < 1) throw new ArgumentOutOfRangeException(nameof(brokers), brokers, "at least one broker");
        if (ports is not null && ports.Count != brokers)
            throw new ArgumentException($"{ports.Count} ports given for {brokers} brokers: give one port per broker", nameof(ports));
        MockClusterNative.EnsureResolver();
        var errors = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        // The handle only owns the mock cluster; it never produces.
        MockClusterNative.rd_kafka_conf_set(conf, "log_level", "3", errors, (nuint)errors.Length);
        var client = MockClusterNative.rd_kafka_new(0, conf, errors, (nuint)errors.Length);
        if (client == IntPtr.Zero)
            throw new InvalidOperationException($"librdkafka could not start: {Encoding.UTF8.GetString(errors).TrimEnd('\0')}");
        var cluster = MockClusterNative.rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(client);
            throw new InvalidOperationException("librdkafka could not create its mock cluster");
        }
        var broker = new KafkaDevBroker(client, cluster, brokers);
        // A group's first rebalance waits 3 s by default; DescribeTopics needs a controller.
        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        MockClusterNative.rd_kafka_mock_set_controller_id(cluster, 1);
        if (ports is not null)
        {
            try { broker.ListenOn(ports); }
            catch { broker.Dispose(); throw; }
        }
        foreach (var topic in topics ?? []) broker.CreateTopic(topic);
        return broker;
    }

    private void ListenOn(IReadOnlyList<int> ports)
    {
        // The mock lists its brokers in id order (1..n) in its bootstrap string.
        var actual = BootstrapServers.Split(',').Select(a => int.Parse(a[(a.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        for (int i = 0; i < Brokers; i++)
        {
            var forwarder = new LoopbackForwarder(ports[i], actual[i]);
            _forwarders.Add(forwarder);
            Check(MockClusterNative.rd_kafka_mock_broker_set_host_port(Cluster, i + 1, "127.0.0.1", forwarder.Port), $"advertising broker {i + 1} on port {forwarder.Port}");
        }
        BootstrapServers = string.Join(",", _forwarders.Select(f => $"127.0.0.1:{f.Port}"));
    }

    public void CreateTopic(TopicSpec topic)
    {
        int replication = Math.Min(topic.ReplicationFactor, Brokers);
        Check(MockClusterNative.rd_kafka_mock_topic_create(Cluster, topic.Name, topic.Partitions, replication), $"creating topic {topic.Name}");
    }

    /// <summary>Fault hooks for tests: a broker stops answering, then comes back.</summary>
    public void SetBrokerDown(int brokerId) => Check(MockClusterNative.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"taking broker {brokerId} down");
    public void SetBrokerUp(int brokerId) => Check(MockClusterNative.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"bringing broker {brokerId} up");
    public void SetRoundTripTime(int brokerId, TimeSpan rtt) =>
        Check(MockClusterNative.rd_kafka_mock_broker_set_rtt(Cluster, brokerId, (int)rtt.TotalMilliseconds), $"setting broker {brokerId}'s latency");
    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(MockClusterNative.rd_kafka_mock_partition_set_leader(Cluster, topic, partition, brokerId), $"moving {topic}/{partition} to broker {brokerId}");

    private IntPtr Cluster
    {
        get
        {
            lock (_gate) return _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(KafkaDevBroker));
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
            throw new InvalidOperationException($"{what}: {Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_err2str(error))}");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster == IntPtr.Zero) return;
            foreach (var forwarder in _forwarders) forwarder.Dispose();
            MockClusterNative.rd_kafka_mock_cluster_destroy(_cluster);
            MockClusterNative.rd_kafka_destroy(_client);
            _cluster = _client = IntPtr.Zero;
        }
    }
}
