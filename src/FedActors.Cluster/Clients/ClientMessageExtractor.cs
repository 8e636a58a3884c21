using Akka.Cluster.Sharding;

namespace FedActors.Cluster.Clients;

/// <summary>Routes every <see cref="IClientMessage"/> to the ClientActor of its client.</summary>
public sealed class ClientMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message switch
    {
        IClientMessage m => m.ClientId,
        _ => null,
    };
}
