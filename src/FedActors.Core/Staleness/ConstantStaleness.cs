using FedActors.Core.Policies;

namespace FedActors.Core.Staleness;

/// <summary>FedAsync's constant function: staleness does not discount (only the max-staleness cutoff applies).</summary>
[PolicyName("constant")]
public sealed class ConstantStaleness : IStalenessFunction
{
    public ConstantStaleness(PolicyParameters parameters) { }
    public string Name => "constant";
    public double Weight(long staleness) => 1.0;
}
