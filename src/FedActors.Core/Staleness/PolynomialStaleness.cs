using FedActors.Core.Policies;

namespace FedActors.Core.Staleness;

/// <summary>FedAsync's polynomial function: <c>(s + 1)^-a</c>; a = 0.5 by default (Xie et al., 2019).</summary>
[PolicyName("polynomial")]
public sealed class PolynomialStaleness(PolicyParameters p) : IStalenessFunction
{
    public double A { get; } = p.GetPositive("a", 0.5);
    public string Name => "polynomial";
    public double Weight(long staleness) => Math.Pow(staleness + 1.0, -A);
}
