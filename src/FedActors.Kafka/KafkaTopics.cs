using FedActors.Kafka.DevBroker;

namespace FedActors.Kafka;

/// <summary>The seed's topics, with its partition counts and replication; names are configurable.</summary>
public sealed record KafkaTopics(
    string ClientUpdates = "fl_client_updates_async",
    string GlobalModel = "fl_global_model_async",
    string ClientRegistration = "fl_client_registration",
    string SystemEvents = "fl_system_events",
    string ClientInvitations = "fl_client_invitations")
{
    public const int ReplicationFactor = 3;

    /// <summary>The seed's topic settings: updates are deleted after an hour, the model topic is compacted (the latest
    /// version under the key "global" is what a new client needs).</summary>
    public IReadOnlyList<TopicSpec> Specs(int replicationFactor = ReplicationFactor) =>
    [
        new(ClientUpdates, 10, replicationFactor) { Configs = new Dictionary<string, string> { ["cleanup.policy"] = "delete", ["retention.ms"] = "3600000" } },
        new(GlobalModel, 1, replicationFactor) { Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" } },
        new(ClientRegistration, 3, replicationFactor),
        new(SystemEvents, 5, replicationFactor),
        // Not in the seed: the selector's invitations, keyed by client id; an hour old is long past any report deadline.
        new(ClientInvitations, 10, replicationFactor) { Configs = new Dictionary<string, string> { ["cleanup.policy"] = "delete", ["retention.ms"] = "3600000" } },
    ];
}
