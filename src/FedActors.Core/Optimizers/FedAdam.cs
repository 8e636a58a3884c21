using System.Numerics;
using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>FedAdam: <c>v_t = beta2 v_{t-1} + (1 - beta2) step^2</c>.</summary>
[PolicyName("fedadam")]
public sealed class FedAdam(PolicyParameters parameters) : AdaptiveServerOptimizer(parameters)
{
    public override string Name => "fedadam";
    protected override Vector<float> SecondMoment(Vector<float> previous, Vector<float> squaredStep, float beta2) =>
        previous * beta2 + squaredStep * (1f - beta2);
    protected override float SecondMoment(float previous, float squaredStep, float beta2) =>
        previous * beta2 + squaredStep * (1f - beta2);
}
