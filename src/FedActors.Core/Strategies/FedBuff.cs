using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Policies;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedBuff (Nguyen et al., 2022): the mean of the buffered deltas, each scaled by its staleness weight,
/// <c>(1/K) sum s(tau_i) delta_i</c>, applied to the current model by the server optimizer (its learning rate
/// is FedBuff's eta_g). Stale deltas are applied to the current model, not to their base.
/// </summary>
[PolicyName("fedbuff")]
public sealed class FedBuff : IAggregationStrategy
{
    public FedBuff(PolicyParameters parameters) { }

    public string Name => "fedbuff";
    public bool AggregatesEachUpdate => false;
    public bool NeedsBaseModels => false;
    public bool IsOrderIndependent => true;

    public double FoldWeight(long numSamples, double stalenessWeight) => stalenessWeight;

    public void PseudoGradient(UpdateBuffer buffer, GlobalModel current, ModelHistory history, Span<float> destination)
    {
        if (buffer.IsEmpty) { destination.Clear(); return; }
        System.Numerics.Tensors.TensorPrimitives.Multiply(buffer.WeightedDeltaSum, 1f / buffer.Count, destination);
    }
}
