using Akka.Configuration;
using FedActors.Cluster.Configuration;

namespace FedActors.Cluster.Tests;

public class SettingsTests
{
    [Fact]
    public void The_reference_configuration_holds_the_seed_defaults()
    {
        var settings = FedActorsSettings.From(FedActorsConfig.Reference());
        var aggregation = settings.Aggregator.CreateAggregation();
        Assert.Equal("fedavg_staleness_aware", aggregation.Strategy.Name);
        Assert.Equal(0.5, aggregation.Staleness.Weight(10), 12);          // 1 / (1 + 0.1 * 10)
        Assert.Equal(15, aggregation.Buffer.BufferSize);
        Assert.Equal(TimeSpan.FromSeconds(60), aggregation.Buffer.TimeWindow);
        Assert.Equal(1L << 30, aggregation.Buffer.MemoryLimitBytes);
        Assert.Equal(10, aggregation.Limits.MaxStaleness);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.Clients.MaxInactiveTime);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Clients.HeartbeatInterval);
        Assert.True(settings.Journal.IsSqlite);
        Assert.NotSame(settings.Aggregator.CreateAggregation().Optimizer, aggregation.Optimizer);   // fresh state per incarnation
    }

    [Theory]
    [InlineData("fedactors.aggregation.buffer.size = 0", "fedactors.aggregation.buffer.size")]
    [InlineData("fedactors.aggregation.buffer.time-window = 0s", "fedactors.aggregation.buffer.time-window")]
    [InlineData("fedactors.aggregation.strategy = fedprox", "unknown aggregation strategy 'fedprox'")]
    [InlineData("fedactors.aggregation.staleness.parameters.penalty = -1", "'penalty'")]
    [InlineData("fedactors.aggregation.staleness.parameters.alpha = 2", "'alpha'")]
    [InlineData("fedactors.aggregation.staleness.parameters.penalty = lots", "fedactors.aggregation.staleness.parameters.penalty must be a number")]
    [InlineData("fedactors.journal.provider = mysql", "fedactors.journal.provider")]
    [InlineData("fedactors.clients.max-inactive-time = -5s", "fedactors.clients.max-inactive-time")]
    public void An_invalid_value_is_refused_at_start_with_its_key_named(string hocon, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => FedActorsSettings.From(FedActorsConfig.With(hocon)));
        Assert.Contains(expected, e.Message);
    }
}
