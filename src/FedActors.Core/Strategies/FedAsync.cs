using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Policies;

namespace FedActors.Core.Strategies;

/// <summary>
/// FedAsync (Xie et al., 2019): every update is mixed in as it arrives, <c>x &lt;- (1 - a_t) x + a_t x_new</c>
/// with <c>a_t = alpha * s(staleness)</c>; alpha = 0.6 by default. x_new is the client's local model.
/// </summary>
[PolicyName("fedasync")]
public sealed class FedAsync : IAggregationStrategy
{
    public FedAsync(PolicyParameters parameters) => Alpha = parameters.GetUnitInterval("alpha", 0.6);

    public double Alpha { get; }
    public string Name => "fedasync";
    public bool AggregatesEachUpdate => true;
    public bool NeedsBaseModels => true;
    public bool IsOrderIndependent => false;

    public double FoldWeight(long numSamples, double stalenessWeight) => 1.0;

    public void PseudoGradient(UpdateBuffer buffer, GlobalModel current, ModelHistory history, Span<float> destination)
    {
        if (buffer.IsEmpty) { destination.Clear(); return; }
        // With one update per aggregation this is exactly a_t; the mean keeps a forced multi-update flush well defined.
        double mixing = Alpha * buffer.SumStalenessWeight / buffer.Count;
        ClientModelAverage.StepTo(buffer, current, history, (float)mixing, destination);
    }
}
