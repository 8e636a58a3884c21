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

    /// <summary>Stop aggregating (updates are still validated and buffered) until <see cref="Resume"/>; journaled, so it survives fail-over.</summary>
    public sealed record Pause(string By);

    public sealed record Resume(string By);

    /// <summary>The answer to <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public sealed record PauseState(bool Paused, ModelVersion Version);

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
        int DuplicatesWaiting)
    {
        public bool Paused { get; init; }
        /// <summary>Active clients on all nodes, as their client indexes last reported.</summary>
        public int ActiveClients { get; init; }
        public int KnownClients { get; init; }
        /// <summary>Share of active clients with an update folded in the last minute.</summary>
        public double ParticipationRate { get; init; }
    }

    /// <summary>Staleness of the updates this aggregator accepted since it started (soft state: not journaled).</summary>
    public sealed record GetStaleness;

    public sealed record StalenessHistogram(IReadOnlyDictionary<long, long> Counts, long Count, double Mean, long Max);

    /// <summary>The convergence history (rebuilt from the journal on recovery, since the last snapshot) and the analysis.</summary>
    public sealed record GetConvergence;

    public sealed record Convergence(IReadOnlyList<ConvergencePoint> History, Core.Convergence.ConvergenceReport Report);

    public sealed record ConvergencePoint(
        ModelVersion Version, DateTimeOffset At, int NumClients, int NumUpdates, double MeanStaleness, double? MeanTrainingLoss,
        double? MeanTrainingAccuracy, double? GlobalLoss, double? GlobalAccuracy, double StepNorm);

    /// <summary>A held-out evaluation of a version (from an evaluator): fills in its global loss and accuracy.</summary>
    public sealed record RecordEvaluation(ModelVersion Version, double? Loss, double? Accuracy);

    public sealed record GetModel;

    public sealed record Model(ModelVersion Version, float[] Parameters);

    public sealed record GetCurrentVersion;

    public sealed record CurrentVersion(ModelVersion Version);

    /// <summary>Published on the cluster after each aggregation (topic <see cref="VersionsTopic"/>).</summary>
    public sealed record VersionPublished(ModelVersion Version, AggregationInfo Info)
    {
        /// <summary>The newest held-out evaluation the aggregator has (of this version or an earlier one), if an evaluator runs.</summary>
        public RecordEvaluation? LatestEvaluation { get; init; }
    }

    public const string VersionsTopic = "fl-model-versions";
}
