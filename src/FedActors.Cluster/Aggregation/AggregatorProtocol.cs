using Akka.Actor;
using FedActors.Core;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Aggregation;

/// <summary>The AggregatorActor's protocol.</summary>
public static class AggregatorProtocol
{
    /// <summary>
    /// From a ClientActor: fold this update. The result goes to the sender (the ClientActor), carrying
    /// <paramref name="ReplyTo"/> so it can be passed on.
    /// </summary>
    public sealed record Submit(ClientUpdate Update, IActorRef ReplyTo) : Serialization.IUpdatePathMessage
    {
        /// <summary>W3C trace context of the update's trace, if it is traced.</summary>
        public string? TraceParent { get; init; }
    }

    /// <summary>The result of a <see cref="Submit"/>, sent to the ClientActor that forwarded it.</summary>
    public sealed record Outcome(Clients.UpdateResult Result, IActorRef ReplyTo) : Serialization.IUpdatePathMessage;

    /// <summary>Aggregate what is buffered now (an operator's request); answered with <see cref="Triggered"/>.</summary>
    public sealed record TriggerAggregation;

    public sealed record Triggered(ModelVersion Version, bool Aggregated);

    public sealed record GetStatus;

    public sealed record Status(
        ModelVersion Version,
        int BufferFill,
        int BufferSize,
        long UpdatesAccepted,
        long UpdatesRejected,
        IReadOnlyDictionary<RejectReason, long> RejectedByReason,
        long DuplicatesAcknowledged,
        long Aggregations,
        DateTimeOffset? LastAggregationAt,
        string Node,
        int Dimension,
        string Strategy,
        string PublisherCircuit,
        long JournalSequenceNr,
        DateTimeOffset StartedAt,
        bool Recovered,
        ModelVersion? RecoveredFromSnapshotAt,
        ModelVersion DurableVersion,
        int JournalWritesInFlight,
        int DuplicatesWaiting);

    public sealed record GetModel;

    public sealed record Model(ModelVersion Version, float[] Parameters);

    public sealed record GetCurrentVersion;

    public sealed record CurrentVersion(ModelVersion Version);

    /// <summary>Published on the cluster after each aggregation (topic <see cref="VersionsTopic"/>).</summary>
    public sealed record VersionPublished(ModelVersion Version, AggregationInfo Info);

    public const string VersionsTopic = "fl-model-versions";
}
