using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Policies;

namespace FedActors.Core.Strategies;

/// <summary>
/// The seed's staleness-aware FedAvg: each update counts as <c>num_samples * s(staleness)</c> effective samples,
/// and the new model is the weighted average of the buffered client models. With the server optimizer
/// <c>sgd</c> at learning rate 1 the step lands exactly on that average.
/// </summary>
[PolicyName("fedavg_staleness_aware", "staleness_aware_fedavg", "fedavg")]
public sealed class StalenessAwareFedAvg : IAggregationStrategy
{
    public StalenessAwareFedAvg(PolicyParameters parameters) { }

    public string Name => "fedavg_staleness_aware";
    public bool AggregatesEachUpdate => false;
    public bool NeedsBaseModels => true;
    public bool IsOrderIndependent => true;

    public double FoldWeight(long numSamples, double stalenessWeight) => numSamples * stalenessWeight;

    public void PseudoGradient(UpdateBuffer buffer, GlobalModel current, ModelHistory history, Span<float> destination) =>
        ClientModelAverage.StepTo(buffer, current, history, 1f, destination);
}
