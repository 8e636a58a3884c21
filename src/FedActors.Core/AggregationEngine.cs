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
    private readonly float[] _step;
    private float[]? _spare;

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
        _step = new float[initial.Dimension];
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
            if (Settings.Buffer.BeforeFold(Buffer, update.PayloadBytes) is { } early)
                (aggregations ??= []).Add(Aggregate(early, now)!);

            var verdict = Validate(update);
            double stalenessWeight = 0;
            if (verdict.IsAccepted)
            {
                stalenessWeight = Settings.Staleness.Weight(verdict.Staleness);
                Add(update, verdict.Staleness, stalenessWeight, now);
                if (DueTrigger(now) is { } due)
                    (aggregations ??= []).Add(Aggregate(due, now)!);
            }
            outcomes[i] = new SubmitOutcome(verdict, stalenessWeight, (IReadOnlyList<AggregationInfo>?)aggregations ?? []);
        }
        Buffer.FoldPending();
        return outcomes;
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
        if (Buffer.IsEmpty) return null;
        Buffer.FoldPending();   // before the history may hand a base model's array back for reuse
        var current = Current;
        Settings.Strategy.PseudoGradient(Buffer, current, History, _step);

        var parameters = _spare ?? new float[current.Dimension];
        current.Parameters.CopyTo(parameters, 0);
        Settings.Optimizer.Step(parameters, _step);

        var next = new GlobalModel(current.Version.Next(), parameters);
        _spare = History.Add(next);

        var info = new AggregationInfo(
            next.Version, now, trigger, Settings.Strategy.Name,
            Buffer.DistinctClients, Buffer.Count, Buffer.TotalSamples,
            (double)Buffer.SumStaleness / Buffer.Count, Buffer.MaxStaleness, Buffer.SumStalenessWeight / Buffer.Count,
            Buffer.MeanTrainingLoss, Buffer.MeanTrainingAccuracy,
            TensorPrimitives.Norm(_step), Buffer.Keys.ToArray());
        Buffer.Clear();
        LastAggregationAt = now;
        return info;
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
