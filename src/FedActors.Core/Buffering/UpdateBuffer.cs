using System.Runtime.InteropServices;
using FedActors.Core.Kernels;
using FedActors.Core.Model;

namespace FedActors.Core.Buffering;

/// <summary>
/// The updates accepted since the last aggregation, folded in batches as they arrive: the weighted sum of their deltas plus
/// what the strategies and the broadcast need to know about them. Memory is one model's worth whatever the
/// buffer size; each update is read once, when folded.
/// </summary>
public sealed class UpdateBuffer
{
    private readonly float[] _weightedDeltaSum;
    private readonly Dictionary<ModelVersion, double> _weightByBase = new();
    private readonly HashSet<string> _clients = new(StringComparer.Ordinal);
    private readonly List<IdempotencyKey> _keys = new();
    private readonly List<FoldTerm> _pending = new();
    private double _lossSum, _lossSamples, _accuracySum, _accuracySamples;

    public UpdateBuffer(int dimension) => _weightedDeltaSum = new float[dimension];

    public int Dimension => _weightedDeltaSum.Length;
    public int Count { get; private set; }
    public bool IsEmpty => Count == 0;

    /// <summary>Bytes of update parameters folded since the last aggregation (what the memory limit bounds).</summary>
    public long PayloadBytes { get; private set; }

    /// <summary>Sum of fold weights w_i.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>sum_i w_i * delta_i (folding what is pending first).</summary>
    public ReadOnlySpan<float> WeightedDeltaSum
    {
        get
        {
            FoldPending();
            return _weightedDeltaSum;
        }
    }

    /// <summary>Sum of fold weights by the base version the updates were trained from.</summary>
    public IReadOnlyDictionary<ModelVersion, double> WeightByBaseVersion => _weightByBase;

    public double SumStalenessWeight { get; private set; }
    public long SumStaleness { get; private set; }
    public long MaxStaleness { get; private set; }
    public long TotalSamples { get; private set; }
    public DateTimeOffset? FirstFoldedAt { get; private set; }
    public int DistinctClients => _clients.Count;
    public IReadOnlyList<IdempotencyKey> Keys => _keys;
    public double? MeanTrainingLoss => _lossSamples > 0 ? _lossSum / _lossSamples : null;
    public double? MeanTrainingAccuracy => _accuracySamples > 0 ? _accuracySum / _accuracySamples : null;

    /// <summary>
    /// Adds a validated update. <paramref name="baseModel"/> is the model it was trained from; it is read only for
    /// full-weights updates. The parameters are folded lazily, together with the other updates of the batch
    /// (<see cref="FoldPending"/>), so both must stay unchanged until then.
    /// </summary>
    public void Add(ClientUpdate update, ReadOnlyMemory<float> baseModel, long staleness, double stalenessWeight,
        double foldWeight, DateTimeOffset now)
    {
        _pending.Add(update.Kind switch
        {
            UpdateKind.Delta => new FoldTerm((float)foldWeight, update.Parameters),
            UpdateKind.Gradient => new FoldTerm((float)-foldWeight, update.Parameters),
            UpdateKind.Weights => new FoldTerm((float)foldWeight, update.Parameters, baseModel),
            _ => throw new ArgumentOutOfRangeException(nameof(update), update.Kind, "validated updates have a known kind"),
        });

        Count++;
        FirstFoldedAt ??= now;
        PayloadBytes += update.PayloadBytes;
        TotalWeight += foldWeight;
        _weightByBase[update.BaseVersion] = _weightByBase.GetValueOrDefault(update.BaseVersion) + foldWeight;
        SumStalenessWeight += stalenessWeight;
        SumStaleness += staleness;
        MaxStaleness = Math.Max(MaxStaleness, staleness);
        TotalSamples += update.NumSamples;
        _clients.Add(update.ClientId);
        _keys.Add(update.Key);
        if (update.TrainingLoss is { } loss && double.IsFinite(loss)) { _lossSum += loss * update.NumSamples; _lossSamples += update.NumSamples; }
        if (update.TrainingAccuracy is { } acc && double.IsFinite(acc)) { _accuracySum += acc * update.NumSamples; _accuracySamples += update.NumSamples; }
        if (_pending.Count >= MaxPending) FoldPending();
    }

    /// <summary>Folds the updates added since the last call, all in one pass over the accumulator.</summary>
    public void FoldPending()
    {
        if (_pending.Count == 0) return;
        VectorKernels.FoldMany(_weightedDeltaSum, CollectionsMarshal.AsSpan(_pending));
        _pending.Clear();
    }

    /// <summary>One full pass of the batched fold kernel.</summary>
    private const int MaxPending = VectorKernels.TermsPerPass;

    public void Clear()
    {
        _pending.Clear();
        Array.Clear(_weightedDeltaSum);
        _weightByBase.Clear();
        _clients.Clear();
        _keys.Clear();
        Count = 0;
        PayloadBytes = 0;
        TotalWeight = SumStalenessWeight = 0;
        SumStaleness = MaxStaleness = TotalSamples = 0;
        _lossSum = _lossSamples = _accuracySum = _accuracySamples = 0;
        FirstFoldedAt = null;
    }
}
