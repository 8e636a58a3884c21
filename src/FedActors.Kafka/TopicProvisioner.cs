using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FedActors.Kafka.DevBroker;

namespace FedActors.Kafka;

/// <summary>
/// Creates the seed's topics at start on real Kafka with the AdminClient (partitions, replication, cleanup, retention).
/// A topic that exists is left as it is: its partition count is checked, never changed, because re-partitioning the
/// updates topic would move clients' keys. The dev broker has no CreateTopics; it creates its topics itself.
/// </summary>
public static class TopicProvisioner
{
    /// <summary>What CreateTopics is asked for: the replication is capped by the brokers the cluster has.</summary>
    public static IReadOnlyList<TopicSpecification> Specifications(IEnumerable<TopicSpec> topics, int brokers) =>
        topics.Select(t => new TopicSpecification
        {
            Name = t.Name,
            NumPartitions = t.Partitions,
            ReplicationFactor = (short)Math.Min(t.ReplicationFactor, Math.Max(1, brokers)),
            Configs = t.Configs.ToDictionary(c => c.Key, c => c.Value),
        }).ToList();

    /// <summary>Creates what is missing; returns the names it created. Throws with the topic named when Kafka refuses.</summary>
    public static async Task<IReadOnlyList<string>> EnsureAsync(string bootstrapServers, IEnumerable<TopicSpec> topics, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = (int)timeout.TotalMilliseconds }).Build();
        var metadata = admin.GetMetadata(timeout);
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, t => t.Partitions.Count);
        var wanted = topics.ToList();
        foreach (var t in wanted)
            if (existing.TryGetValue(t.Name, out int partitions) && partitions < t.Partitions)
                throw new InvalidOperationException($"topic {t.Name} exists with {partitions} partitions, fewer than the {t.Partitions} configured; add partitions with kafka-topics --alter or configure {partitions}");
        var missing = Specifications(wanted.Where(t => !existing.ContainsKey(t.Name)), metadata.Brokers.Count);
        if (missing.Count == 0) return [];
        try
        {
            await admin.CreateTopicsAsync(missing, new CreateTopicsOptions { RequestTimeout = timeout });
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists)).ToList();
            if (failed.Count > 0)
                throw new InvalidOperationException($"Kafka refused to create {string.Join(", ", failed.Select(r => $"{r.Topic} ({r.Error.Reason})"))}", e);
        }
        return missing.Select(m => m.Name).ToList();
    }
}
