using FedActors.Kafka.DevBroker;

namespace FedActors.Kafka;

/// <summary>The seed's topics, with its partition counts and replication; names are configurable.</summary>
public sealed record KafkaTopics(
    string ClientUpdates = "fl_client_updates_async",
    string GlobalModel = "fl_global_model_async",
    string ClientRegistration = "fl_client_registration",
    string SystemEvents = "fl_system_events")
{
    public const int ReplicationFactor = 3;

    public IReadOnlyList<TopicSpec> Specs() =>
    [
        new(ClientUpdates, 10, ReplicationFactor),
        new(GlobalModel, 1, ReplicationFactor),
        new(ClientRegistration, 3, ReplicationFactor),
        new(SystemEvents, 5, ReplicationFactor),
    ];
}
