using FedActors.Core.Policies;

namespace FedActors.Core.Staleness;

/// <summary>The seed's penalty: <c>1 / (1 + penalty * s)</c>; penalty 0.1 by default.</summary>
[PolicyName("inverse_linear", "seed")]
public sealed class InverseLinearStaleness(PolicyParameters p) : IStalenessFunction
{
    public double Penalty { get; } = p.GetNonNegative("penalty", 0.1);
    public string Name => "inverse_linear";
    public double Weight(long staleness) => 1.0 / (1.0 + Penalty * staleness);
}
