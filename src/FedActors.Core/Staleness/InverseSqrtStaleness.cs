using FedActors.Core.Policies;

namespace FedActors.Core.Staleness;

/// <summary>FedBuff's staleness scaling: <c>1 / sqrt(1 + s)</c> (Nguyen et al., 2022).</summary>
[PolicyName("inverse_sqrt", "fedbuff")]
public sealed class InverseSqrtStaleness : IStalenessFunction
{
    public InverseSqrtStaleness(PolicyParameters parameters) { }
    public string Name => "inverse_sqrt";
    public double Weight(long staleness) => 1.0 / Math.Sqrt(1.0 + staleness);
}
