using FedActors.Core.Buffering;
using FedActors.Core.Optimizers;
using FedActors.Core.Policies;
using FedActors.Core.Staleness;
using FedActors.Core.Strategies;
using FedActors.Core.Validation;

namespace FedActors.Core;

/// <summary>Everything that decides how updates become versions. <see cref="Seed"/> is the seed document's defaults.</summary>
public sealed record AggregationSettings(
    IAggregationStrategy Strategy,
    IStalenessFunction Staleness,
    IServerOptimizer Optimizer,
    BufferPolicy Buffer,
    ValidationLimits Limits)
{
    /// <summary>
    /// How many recent versions are kept as base models (default: max staleness + 1, so every accepted update has its
    /// base). Fewer saves memory on large models; updates whose base is gone are then rejected as base_model_unavailable.
    /// </summary>
    public int? ModelHistoryCapacity { get; init; }

    public int EffectiveHistoryCapacity => ModelHistoryCapacity ?? (int)Math.Min(Limits.MaxStaleness + 1, 1024);

    /// <summary>Staleness-aware FedAvg, 1/(1 + 0.1 s), buffer 15, window 60 s, max staleness 10.</summary>
    public static AggregationSettings Seed() => FromNames("fedavg_staleness_aware", "inverse_linear", "sgd");

    public static AggregationSettings FromNames(
        string strategy, string staleness, string optimizer,
        PolicyParameters? strategyParameters = null, PolicyParameters? stalenessParameters = null, PolicyParameters? optimizerParameters = null,
        BufferPolicy? buffer = null, ValidationLimits? limits = null) =>
        new(AggregationStrategies.Create(strategy, strategyParameters),
            StalenessFunctions.Create(staleness, stalenessParameters),
            ServerOptimizers.Create(optimizer, optimizerParameters),
            buffer ?? new BufferPolicy(),
            limits ?? new ValidationLimits());

    /// <summary>Updates per aggregation: the buffer size, or 1 for strategies that aggregate each update.</summary>
    public int EffectiveBufferSize => Strategy.AggregatesEachUpdate ? 1 : Buffer.BufferSize;
}
