using FedActors.Core;

namespace FedActors.Cluster.Aggregation;

/// <summary>What the aggregator writes to its journal and snapshot store; serialized by <see cref="Serialization.JournalSerializer"/>.</summary>
public interface IAggregatorJournalEntry;

/// <summary>The first event of a journal: the initial model (version 0) every later step starts from.</summary>
public sealed record ModelInitialized(DateTimeOffset At, float[] Parameters) : IAggregatorJournalEntry;

/// <summary>
/// One aggregation: the step the server optimizer took and what was folded. Replaying these from the initial
/// model rebuilds the model, the optimizer state and the idempotency ledger bit for bit.
/// </summary>
public sealed record ModelAggregated(AggregationInfo Info, float[] Step) : IAggregatorJournalEntry
{
    public static ModelAggregated From(AggregationPlan plan) => new(plan.Info, plan.Step);
    public AggregationPlan ToPlan() => new(Info, Step);
}

/// <summary>A snapshot, taken right after an aggregation (the buffer is then empty).</summary>
public sealed record AggregatorSnapshot(EngineSnapshot Engine, long Aggregations) : IAggregatorJournalEntry;

/// <summary>An operator paused or resumed aggregation. Snapshots are not taken while paused, so the newest of these is always after the newest snapshot.</summary>
public sealed record AggregationPauseChanged(bool Paused, DateTimeOffset At, string By) : IAggregatorJournalEntry;
