using FedActors.Core.Policies;
using FedActors.Core.Staleness;
using FsCheck;
using FsCheck.Xunit;

namespace FedActors.Core.Tests;

public class StalenessFunctionTests
{
    [Theory]
    [InlineData("inverse_linear", 0, 1.0)]
    [InlineData("inverse_linear", 5, 1.0 / 1.5)]      // seed: 1 / (1 + 0.1 * 5)
    [InlineData("seed", 10, 0.5)]
    [InlineData("constant", 1000, 1.0)]
    [InlineData("polynomial", 3, 0.5)]               // (3 + 1)^-0.5
    [InlineData("hinge", 4, 1.0)]                    // s <= b = 4
    [InlineData("hinge", 6, 1.0 / 21)]               // 1 / (10 * (6 - 4) + 1)
    [InlineData("inverse_sqrt", 3, 0.5)]             // FedBuff: 1 / sqrt(1 + 3)
    [InlineData("fedbuff", 8, 1.0 / 3)]
    public void Default_parameters_give_the_published_values(string name, long staleness, double expected)
    {
        Assert.Equal(expected, StalenessFunctions.Create(name).Weight(staleness), 12);
    }

    [Fact]
    public void Parameters_come_from_config_in_either_spelling()
    {
        var f = StalenessFunctions.Create("polynomial", PolicyParameters.Of(("a", 1.0)));
        Assert.Equal(0.25, f.Weight(3), 12);
        var h = StalenessFunctions.Create("HINGE", new PolicyParameters(new Dictionary<string, double> { ["a"] = 2, ["b"] = 1 }));
        Assert.Equal(1.0 / 5, h.Weight(3), 12);
        var seed = StalenessFunctions.Create("inverse-linear", PolicyParameters.Of(("penalty", 0.5)));
        Assert.Equal(0.5, seed.Weight(2), 12);
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_known_names()
    {
        var e = Assert.Throws<PolicyConfigurationException>(() => StalenessFunctions.Create("expo"));
        Assert.Contains("unknown staleness function 'expo'", e.Message);
        Assert.Contains("hinge", e.Message);
        Assert.Contains("inverse_sqrt", e.Message);
    }

    [Fact]
    public void A_misspelt_parameter_is_refused_naming_it()
    {
        var e = Assert.Throws<PolicyConfigurationException>(() => StalenessFunctions.Create("hinge", PolicyParameters.Of(("alpha", 3.0))));
        Assert.Contains("'alpha'", e.Message);
        Assert.Contains("a, b", e.Message);
    }

    [Fact]
    public void An_invalid_value_is_refused_naming_the_key()
    {
        var e = Assert.Throws<PolicyConfigurationException>(() => StalenessFunctions.Create("inverse_linear", PolicyParameters.Of(("penalty", -1.0))));
        Assert.Contains("'penalty'", e.Message);
        Assert.Contains("inverse_linear", e.Message);
    }

    [Property(MaxTest = 300)]
    public bool Every_function_weighs_in_the_unit_interval_and_never_rises(NonNegativeInt staleness, PositiveInt a, NonNegativeInt b)
    {
        var p = new Dictionary<string, Func<PolicyParameters>>
        {
            ["inverse_linear"] = () => PolicyParameters.Of(("penalty", a.Get / 10.0)),
            ["constant"] = () => PolicyParameters.Empty,
            ["polynomial"] = () => PolicyParameters.Of(("a", a.Get / 10.0)),
            ["hinge"] = () => PolicyParameters.Of(("a", a.Get / 10.0), ("b", b.Get)),
            ["inverse_sqrt"] = () => PolicyParameters.Empty,
        };
        foreach (var name in p.Keys)
        {
            var f = StalenessFunctions.Create(name, p[name]());
            double w = f.Weight(staleness.Get), next = f.Weight(staleness.Get + 1);
            if (!(w > 0 && w <= 1 && next <= w)) return false;
            if (f.Weight(0) != 1.0) return false;
        }
        return true;
    }

    [Fact]
    public void The_built_in_functions_are_all_listed()
    {
        Assert.Subset(StalenessFunctions.Names.ToHashSet(), new HashSet<string> { "inverse_linear", "constant", "polynomial", "hinge", "inverse_sqrt" });
    }
}
