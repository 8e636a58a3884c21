using Akka.Actor;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Clients;

/// <summary>Every message a ClientActor handles names its client; that id is the shard entity id.</summary>
public interface IClientMessage
{
    string ClientId { get; }
}

/// <summary>The ClientActor's protocol.</summary>
public static class ClientProtocol
{
    public sealed record Register(string ClientId, ClientCapabilities Capabilities) : IClientMessage;

    public sealed record Heartbeat(string ClientId, ModelVersion? TrainedOn) : IClientMessage;

    /// <summary>
    /// An update to fold. <paramref name="ReplyTo"/> receives exactly one <see cref="UpdateResult"/>: durable (folded
    /// into a journaled version) or rejected (final). Without either, the sender redelivers; redelivery is safe.
    /// </summary>
    public sealed record SubmitUpdate(ClientUpdate Update, ClientCapabilities? Resources, IActorRef ReplyTo)
        : IClientMessage, Serialization.IUpdatePathMessage
    {
        public string ClientId => Update.ClientId;

        /// <summary>W3C trace context of the update's trace, if it is traced.</summary>
        public string? TraceParent { get; init; }
    }

    public sealed record Leave(string ClientId) : IClientMessage;

    public sealed record GetState(string ClientId) : IClientMessage;

    /// <summary>A client's record as its actor holds it now.</summary>
    public sealed record ClientState(
        string ClientId,
        ClientStatus Status,
        DateTimeOffset ActiveSince,
        DateTimeOffset LastSeen,
        ClientCapabilities? Capabilities,
        ModelVersion? TrainedOn,
        long UpdatesForwarded,
        long UpdatesAccepted,
        long UpdatesRejected,
        IReadOnlyDictionary<RejectReason, long> RejectedByReason,
        long StalenessCount,
        double MeanStaleness,
        long MaxStaleness,
        IReadOnlyList<long> RecentStaleness,
        ModelVersion? LastFoldedInto);

    /// <summary>Published on the node's event stream (and, by the transport, on the system-events topic).</summary>
    public sealed record BecameInactive(string ClientId, DateTimeOffset LastSeen, DateTimeOffset At);
}

/// <summary>The one answer an update gets.</summary>
public abstract record UpdateResult(IdempotencyKey Key) : Serialization.IUpdatePathMessage;

/// <summary>
/// The update is reflected in <paramref name="FoldedInto"/>, which is journaled: the version that folded it, or, when
/// <paramref name="Redelivered"/> (it had been folded before), the current version, which includes it.
/// </summary>
public sealed record UpdateDurable(IdempotencyKey Key, ModelVersion FoldedInto, bool Redelivered) : UpdateResult(Key);

/// <summary>Refused for good; the reason and a sentence say why.</summary>
public sealed record UpdateRejected(IdempotencyKey Key, RejectReason Reason, string Detail, long Staleness) : UpdateResult(Key);
