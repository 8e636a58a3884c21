using System.Numerics.Tensors;
using FedActors.Core.Buffering;
using FedActors.Core.Kernels;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Core;

/// <summary>What one aggregation did: the seed's aggregation_info and more.</summary>
public sealed record AggregationInfo(
    ModelVersion Version,
    DateTimeOffset At,
    AggregationTrigger Trigger,
    string Method,
    int NumClientsParticipated,
    int NumUpdates,
    long TotalSamples,
    double MeanStaleness,
    long MaxStaleness,
    double MeanStalenessWeight,
    double? MeanTrainingLoss,
    double? MeanTrainingAccuracy,
    double StepNorm,
    IReadOnlyList<IdempotencyKey> FoldedKeys);

/// <summary>An aggregation decided but not yet applied: its info and the step the server optimizer will take.</summary>
public sealed record AggregationPlan(AggregationInfo Info, float[] Step);

/// <summary>What survives a restart: recent versions (oldest first), optimizer state, the ledger, the last aggregation time.</summary>
public sealed record EngineSnapshot(
    IReadOnlyList<GlobalModel> History,
    Optimizers.ServerOptimizerState Optimizer,
    IReadOnlyList<(string ClientId, long Highest, ulong Seen)> Ledger,
    DateTimeOffset LastAggregationAt);

/// <summary>What submitting one update did: the verdict, and any aggregation it caused (before it: memory limit; after it: buffer full or window).</summary>
public sealed record SubmitOutcome(UpdateVerdict Verdict, double StalenessWeight, IReadOnlyList<AggregationInfo> Aggregations)
{
    public bool Accepted => Verdict.IsAccepted;
}

/// <summary>
/// The aggregation domain state: the global model and its version, the buffer, the idempotency ledger and the
/// recent versions. Deterministic: the same updates, in the same order, at the same times give the same model bit
/// for bit, which is what recovery from a journal relies on. Not thread-safe (one actor owns it).
/// </summary>
public sealed class AggregationEngine
{
    private readonly UpdateValidator _validator;

    public AggregationEngine(AggregationSettings settings, GlobalModel initial, DateTimeOffset startedAt, IdempotencyLedger? ledger = null)
    {
        Settings = settings;
        _validator = new UpdateValidator(settings.Limits, settings.Strategy.NeedsBaseModels);
        // Full-weights updates are folded as their difference from their base model, so the bases an accepted
        // update may have (up to the maximum staleness) are kept.
        History = new ModelHistory(settings.EffectiveHistoryCapacity, initial);
        Buffer = new UpdateBuffer(initial.Dimension);
        Ledger = ledger ?? new IdempotencyLedger();
        LastAggregationAt = startedAt;
    }

    public AggregationSettings Settings { get; }
    public GlobalModel Current => History.Current;
    public ModelHistory History { get; }
    public UpdateBuffer Buffer { get; }
    public IdempotencyLedger Ledger { get; }
    public DateTimeOffset LastAggregationAt { get; private set; }

    /// <summary>Decides without changing anything.</summary>
    public UpdateVerdict Validate(ClientUpdate update) => _validator.Validate(update, Current, History, Ledger);

    public SubmitOutcome Submit(ClientUpdate update, DateTimeOffset now) => SubmitBatch([update], now)[0];

    /// <summary>
    /// Submits updates in order, as one call: the result is the same as submitting them one by one, but their
    /// parameters are folded together (see <see cref="VectorKernels.FoldMany"/>). Their parameters must stay
    /// unchanged until this returns.
    /// </summary>
    public IReadOnlyList<SubmitOutcome> SubmitBatch(IReadOnlyList<ClientUpdate> updates, DateTimeOffset now)
    {
        var outcomes = new SubmitOutcome[updates.Count];
        for (int i = 0; i < updates.Count; i++)
        {
            var update = updates[i];
            List<AggregationInfo>? aggregations = null;
            if (TriggerBefore(update) is { } early)
                (aggregations ??= []).Add(Aggregate(early, now)!);
            var (verdict, stalenessWeight) = Accept(update, now);
            if (verdict.IsAccepted && DueTrigger(now) is { } due)
                (aggregations ??= []).Add(Aggregate(due, now)!);
            outcomes[i] = new SubmitOutcome(verdict, stalenessWeight, (IReadOnlyList<AggregationInfo>?)aggregations ?? []);
        }
        Buffer.FoldPending();
        return outcomes;
    }

    /// <summary>Asked before <see cref="Accept"/>: must the buffer be aggregated first (the memory limit)?</summary>
    public AggregationTrigger? TriggerBefore(ClientUpdate update) => Settings.Buffer.BeforeFold(Buffer, update.PayloadBytes);

    /// <summary>
    /// Validates the update and, if it is accepted, buffers it (its parameters are folded with the batch, so they must
    /// stay unchanged until <see cref="UpdateBuffer.FoldPending"/> or the next plan). Never aggregates: the caller asks
    /// <see cref="DueTrigger"/> and plans, so that it can journal the plan before applying it.
    /// </summary>
    public (UpdateVerdict Verdict, double StalenessWeight) Accept(ClientUpdate update, DateTimeOffset now)
    {
        var verdict = Validate(update);
        if (!verdict.IsAccepted) return (verdict, 0);
        double stalenessWeight = Settings.Staleness.Weight(verdict.Staleness);
        Add(update, verdict.Staleness, stalenessWeight, now);
        return (verdict, stalenessWeight);
    }

    /// <summary>Timer tick: aggregates when the time window has passed with updates waiting.</summary>
    public AggregationInfo? Tick(DateTimeOffset now) => DueTrigger(now) is { } due ? Aggregate(due, now) : null;

    public AggregationTrigger? DueTrigger(DateTimeOffset now)
    {
        if (Settings.Strategy.AggregatesEachUpdate && !Buffer.IsEmpty) return AggregationTrigger.BufferFull;
        return Settings.Buffer.Due(Buffer, LastAggregationAt, now);
    }

    /// <summary>Folds the buffer into a new version; null (and nothing changes) when the buffer is empty.</summary>
    public AggregationInfo? Aggregate(AggregationTrigger trigger, DateTimeOffset now)
    {
        var plan = Plan(trigger, now);
        if (plan is null) return null;
        Apply(plan);
        return plan.Info;
    }

    /// <summary>
    /// Decides an aggregation without applying it: the step the buffered updates call for and what the new version
    /// will be. Nothing changes until <see cref="Apply"/>; a journaling caller persists the plan in between.
    /// </summary>
    public AggregationPlan? Plan(AggregationTrigger trigger, DateTimeOffset now)
    {
        if (Buffer.IsEmpty) return null;
        Buffer.FoldPending();
        var current = Current;
        var step = new float[current.Dimension];
        Settings.Strategy.PseudoGradient(Buffer, current, History, step);
        var info = new AggregationInfo(
            current.Version.Next(), now, trigger, Settings.Strategy.Name,
            Buffer.DistinctClients, Buffer.Count, Buffer.TotalSamples,
            (double)Buffer.SumStaleness / Buffer.Count, Buffer.MaxStaleness, Buffer.SumStalenessWeight / Buffer.Count,
            Buffer.MeanTrainingLoss, Buffer.MeanTrainingAccuracy,
            TensorPrimitives.Norm(step), Buffer.Keys.ToArray());
        return new AggregationPlan(info, step);
    }

    /// <summary>
    /// Applies a planned (or journaled) aggregation: the server optimizer takes the step, the new version joins the
    /// history, the buffer empties and the folded keys are in the ledger. Replaying the journaled plans from the
    /// initial model gives the same model and optimizer state bit for bit.
    /// </summary>
    public void Apply(AggregationPlan plan)
    {
        var current = Current;
        if (plan.Info.Version != current.Version.Next())
            throw new InvalidOperationException($"aggregation to version {plan.Info.Version} does not follow version {current.Version}");
        if (plan.Step.Length != current.Dimension)
            throw new InvalidOperationException($"aggregation step has {plan.Step.Length} parameters, the model {current.Dimension}");

        // A fresh array each version: a published or snapshotted model is never written again.
        var parameters = (float[])current.Parameters.Clone();
        Settings.Optimizer.Step(parameters, plan.Step);
        History.Add(new GlobalModel(plan.Info.Version, parameters));
        foreach (var key in plan.Info.FoldedKeys) Ledger.Record(key);
        Buffer.Clear();
        LastAggregationAt = plan.Info.At;
    }

    /// <summary>
    /// The durable state, for a snapshot. Only with an empty buffer: the ledger then holds exactly the keys folded into
    /// the model, so updates that were buffered but not aggregated are redelivered, not mistaken for duplicates.
    /// </summary>
    public EngineSnapshot ExportSnapshot()
    {
        if (!Buffer.IsEmpty) throw new InvalidOperationException("a snapshot is taken with an empty buffer");
        return new EngineSnapshot(History.Versions().ToArray(), Settings.Optimizer.ExportState(), Ledger.Export().ToArray(), LastAggregationAt);
    }

    public static AggregationEngine FromSnapshot(AggregationSettings settings, EngineSnapshot snapshot)
    {
        if (snapshot.History.Count == 0) throw new ArgumentException("a snapshot holds at least the current model", nameof(snapshot));
        var engine = new AggregationEngine(settings, snapshot.History[0], snapshot.LastAggregationAt, IdempotencyLedger.Import(snapshot.Ledger));
        foreach (var model in snapshot.History.Skip(1)) engine.History.Add(model);
        settings.Optimizer.ImportState(snapshot.Optimizer);
        return engine;
    }

    private void Add(ClientUpdate update, long staleness, double stalenessWeight, DateTimeOffset now)
    {
        ReadOnlyMemory<float> baseModel = default;
        if (update.Kind.NeedsBaseModel())
        {
            History.TryGet(update.BaseVersion, out var model);
            baseModel = model.Parameters;
        }
        Buffer.Add(update, baseModel, staleness, stalenessWeight, Settings.Strategy.FoldWeight(update.NumSamples, stalenessWeight), now);
        Ledger.Record(update.Key);
    }
}
