using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Policies;

namespace FedActors.Core.Strategies;

/// <summary>
/// How buffered updates become one step of the global model, in the spirit of Flower's <c>Strategy</c>, made
/// for a stream: the strategy says how much each update weighs as it is folded (<see cref="FoldWeight"/>) and
/// turns the buffer into a pseudo-gradient (<see cref="PseudoGradient"/>), the step a server optimizer applies.
/// Implementations are one file each, named with <see cref="PolicyNameAttribute"/>.
/// </summary>
public interface IAggregationStrategy
{
    /// <summary>Reported as the broadcast's <c>aggregation_method</c>.</summary>
    string Name { get; }

    /// <summary>True where every update is its own aggregation (FedAsync); the buffer size is then 1.</summary>
    bool AggregatesEachUpdate { get; }

    /// <summary>True where the strategy reads the models updates were trained from (beyond what full-weights updates need).</summary>
    bool NeedsBaseModels { get; }

    /// <summary>True where folding the same updates in another order gives the same step (up to float rounding).</summary>
    bool IsOrderIndependent { get; }

    /// <summary>The weight w_i of one update in the buffer's sum.</summary>
    double FoldWeight(long numSamples, double stalenessWeight);

    /// <summary>Writes the step from <paramref name="current"/> the buffered updates call for.</summary>
    void PseudoGradient(UpdateBuffer buffer, GlobalModel current, ModelHistory history, Span<float> destination);
}

public static class AggregationStrategies
{
    public static IAggregationStrategy Create(string name, PolicyParameters? parameters = null) =>
        PolicyRegistry<IAggregationStrategy>.Create(name, parameters);

    public static IReadOnlyList<string> Names => PolicyRegistry<IAggregationStrategy>.Names;
}
