using FedActors.Core.Model;

namespace FedActors.Cluster.Aggregation;

/// <summary>
/// Where new versions go outside the cluster (the Kafka model topic). Called through Akka's CircuitBreaker: while the
/// circuit is open versions are not sent, and the current one is sent again once a call succeeds.
/// </summary>
public interface IModelPublisher
{
    Task PublishAsync(AggregatorProtocol.VersionPublished version, GlobalModel model, CancellationToken cancellationToken);
}
