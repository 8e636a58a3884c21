using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Policies;
using static FedActors.Core.Tests.TestUpdates;

namespace FedActors.Core.Tests;

public class StrategyTests
{
    /// <summary>
    /// The seed's staleness-aware FedAvg by hand. Versions: x0 = (0,0), x1 = (1,1), x2 = (2,2) current.
    /// Full-weights updates, penalty 0.1:
    ///   A: base 2 (s = 0), n = 100, weights (4,0): effective samples 100
    ///   B: base 1 (s = 1), n = 200, weights (1,3): 200 / 1.1 = 2000/11
    ///   C: base 0 (s = 2), n = 300, weights (0,6): 300 / 1.2 = 250
    /// W = 5850/11; x = (400 + 2000/11) / W = 6400/5850; y = (6000/11 + 1500) / W = 22500/5850.
    /// </summary>
    [Fact]
    public void Staleness_aware_FedAvg_matches_the_worked_example()
    {
        var engine = Engine();
        engine.Submit(Weights("setup", 0, 0, [1, 1], samples: 1), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);
        engine.Submit(Weights("setup", 1, 1, [2, 2], samples: 1), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);
        Assert.Equal(new float[] { 2, 2 }, engine.Current.Parameters);

        Assert.True(engine.Submit(Weights("A", 0, 2, [4, 0], 100), T0).Accepted);
        Assert.True(engine.Submit(Weights("B", 0, 1, [1, 3], 200), T0).Accepted);
        Assert.True(engine.Submit(Weights("C", 0, 0, [0, 6], 300), T0).Accepted);
        var info = engine.Aggregate(AggregationTrigger.Manual, T0)!;

        Assert.Equal(new ModelVersion(3), engine.Current.Version);
        Assert.Equal(6400.0 / 5850, engine.Current.Parameters[0], 1e-6);
        Assert.Equal(22500.0 / 5850, engine.Current.Parameters[1], 1e-6);
        Assert.Equal("fedavg_staleness_aware", info.Method);
        Assert.Equal(3, info.NumClientsParticipated);
        Assert.Equal(1.0, info.MeanStaleness);
        Assert.Equal(2, info.MaxStaleness);
        Assert.Equal(600, info.TotalSamples);
    }

    [Fact]
    public void FedAvg_of_deltas_from_the_current_model_is_the_sample_weighted_mean_step()
    {
        var engine = Engine(initial: [10, 10]);
        engine.Submit(Delta("a", 0, 0, [1, 0], samples: 1), T0);
        engine.Submit(Delta("b", 0, 0, [0, 4], samples: 3), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);
        Assert.Equal(new float[] { 10.25f, 13f }, engine.Current.Parameters);
    }

    [Fact]
    public void FedBuff_averages_staleness_scaled_deltas_and_applies_the_server_learning_rate()
    {
        var engine = Engine("fedbuff", "inverse_sqrt", "sgd", initial: [0, 0],
            optimizerParameters: PolicyParameters.Of(("learning-rate", 0.5)));
        engine.Submit(Delta("warm", 0, 0, [0, 0]), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);                  // version 1, model unchanged
        engine.Submit(Delta("a", 0, 1, [1, 2], samples: 10), T0);         // s = 0, weight 1
        engine.Submit(Delta("b", 0, 0, [3, 4], samples: 9999), T0);       // s = 1, weight 1/sqrt(2); samples do not count
        engine.Aggregate(AggregationTrigger.Manual, T0);
        double w = 1 / Math.Sqrt(2);
        Assert.Equal(0.5 * (1 + w * 3) / 2, engine.Current.Parameters[0], 1e-6);
        Assert.Equal(0.5 * (2 + w * 4) / 2, engine.Current.Parameters[1], 1e-6);
    }

    [Fact]
    public void FedAsync_mixes_each_update_in_as_it_arrives()
    {
        var engine = Engine("fedasync", "constant", strategyParameters: PolicyParameters.Of(("alpha", 0.5)), bufferSize: 15);
        var outcome = engine.Submit(Weights("a", 0, 0, [10, 20]), T0);
        Assert.Single(outcome.Aggregations);                               // buffer size is 1 for FedAsync
        Assert.Equal(new float[] { 5, 10 }, engine.Current.Parameters);    // (1 - 0.5) * 0 + 0.5 * (10, 20)
    }

    [Fact]
    public void FedAsync_discounts_a_stale_update_by_alpha_times_the_staleness_function()
    {
        var engine = Engine("fedasync", "polynomial", strategyParameters: PolicyParameters.Of(("alpha", 0.5)));
        for (int k = 0; k < 3; k++) engine.Submit(Delta("warm", k, k, [0, 0]), T0);   // versions 1..3, model (0,0)
        Assert.Equal(new ModelVersion(3), engine.Current.Version);
        engine.Submit(Weights("late", 0, 0, [8, -4]), T0);                             // s = 3: a_t = 0.5 * 4^-0.5 = 0.25
        Assert.Equal(new float[] { 2, -1 }, engine.Current.Parameters);
    }

    [Fact]
    public void FedAsync_applies_a_stale_delta_to_its_own_base_model()
    {
        var engine = Engine("fedasync", "constant", strategyParameters: PolicyParameters.Of(("alpha", 1.0)));
        engine.Submit(Weights("a", 0, 0, [4, 4]), T0);        // alpha 1: the model becomes the client's: (4,4)
        engine.Submit(Delta("b", 0, 0, [1, 0]), T0);          // client model x0 + delta = (1,0), mixed with alpha 1
        Assert.Equal(new float[] { 1, 0 }, engine.Current.Parameters);
    }

    [Fact]
    public void Gradient_updates_are_negative_deltas()
    {
        var a = Engine("fedbuff", "constant", initial: [1, 1]);
        a.Submit(new ClientUpdate("g", 0, ModelVersion.Initial, UpdateKind.Gradient, new float[] { 0.5f, -0.5f }, 10), T0);
        a.Aggregate(AggregationTrigger.Manual, T0);
        Assert.Equal(new float[] { 0.5f, 1.5f }, a.Current.Parameters);
    }

    [Fact]
    public void Unknown_strategy_and_optimizer_names_are_refused_with_the_known_ones()
    {
        var s = Assert.Throws<PolicyConfigurationException>(() => Strategies.AggregationStrategies.Create("fedprox"));
        Assert.Contains("fedbuff", s.Message);
        var o = Assert.Throws<PolicyConfigurationException>(() => Optimizers.ServerOptimizers.Create("adamw"));
        Assert.Contains("fedyogi", o.Message);
    }
}
