using FedActors.Core.Policies;
using FedActors.Core.Staleness;

namespace FedActors.Core.Tests;

/// <summary>A new staleness function is one class and a name; this one lives in the test assembly, as a plug-in would.</summary>
[PolicyName("exponential_test")]
public sealed class ExponentialTestStaleness(PolicyParameters p) : IStalenessFunction
{
    public double Rate { get; } = p.GetPositive("rate", 1);
    public string Name => "exponential_test";
    public double Weight(long staleness) => Math.Exp(-Rate * staleness);
}

public class PluginPolicyTests
{
    [Fact]
    public void A_policy_in_another_assembly_is_found_by_its_config_name_once_registered()
    {
        PolicyRegistry<IStalenessFunction>.RegisterAssembly(typeof(PluginPolicyTests).Assembly);
        var f = StalenessFunctions.Create("exponential_test", PolicyParameters.Of(("rate", 2.0)));
        Assert.Equal(Math.Exp(-4), f.Weight(2), 12);
        Assert.Contains("exponential_test", StalenessFunctions.Names);
    }
}
