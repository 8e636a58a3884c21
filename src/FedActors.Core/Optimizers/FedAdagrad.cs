using System.Numerics;
using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>FedAdagrad: <c>v_t = v_{t-1} + step^2</c>.</summary>
[PolicyName("fedadagrad")]
public sealed class FedAdagrad(PolicyParameters parameters) : AdaptiveServerOptimizer(parameters)
{
    public override string Name => "fedadagrad";
    protected override Vector<float> SecondMoment(Vector<float> previous, Vector<float> squaredStep, float beta2) => previous + squaredStep;
    protected override float SecondMoment(float previous, float squaredStep, float beta2) => previous + squaredStep;
}
