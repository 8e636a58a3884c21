using FedActors.Core.Policies;

namespace FedActors.Core.Staleness;

/// <summary>FedAsync's hinge function: 1 while <c>s &lt;= b</c>, then <c>1 / (a (s - b) + 1)</c>; a = 10, b = 4 by default.</summary>
[PolicyName("hinge")]
public sealed class HingeStaleness(PolicyParameters p) : IStalenessFunction
{
    public double A { get; } = p.GetPositive("a", 10);
    public double B { get; } = p.GetNonNegative("b", 4);
    public string Name => "hinge";
    public double Weight(long staleness) => staleness <= B ? 1.0 : 1.0 / (A * (staleness - B) + 1.0);
}
