using System.Numerics;
using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>FedYogi: <c>v_t = v_{t-1} - (1 - beta2) step^2 sign(v_{t-1} - step^2)</c>, with sign(0) = 0.</summary>
[PolicyName("fedyogi")]
public sealed class FedYogi(PolicyParameters parameters) : AdaptiveServerOptimizer(parameters)
{
    public override string Name => "fedyogi";

    protected override Vector<float> SecondMoment(Vector<float> previous, Vector<float> squaredStep, float beta2)
    {
        var difference = previous - squaredStep;
        var sign = Vector.ConditionalSelect(Vector.GreaterThan(difference, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero)
                 - Vector.ConditionalSelect(Vector.LessThan(difference, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero);
        return previous - squaredStep * (1f - beta2) * sign;
    }

    protected override float SecondMoment(float previous, float squaredStep, float beta2) =>
        previous - squaredStep * (1f - beta2) * MathF.Sign(previous - squaredStep);
}
