using FedActors.Simulation.Data;
using FedActors.Simulation.Federation;
using FedActors.Simulation.Learning;
using FedActors.Simulation.Models;

namespace FedActors.Simulation.Tests;

public class SimulatedFederationTests
{
    private static readonly LocalTrainingSettings Local = new(Epochs: 1, LearningRate: 0.01f, BatchSize: 10);

    private static SimulatedFederation Federation(LearningTask task, ClientHeterogeneity? heterogeneity = null, double horizon = 3000, double? deadline = 2000, int seed = 5) =>
        new(task, ClientPopulation.Draw(task.Clients, heterogeneity ?? new ClientHeterogeneity(MedianSecondsPerSampleEpoch: 0.2), seed),
            new SimulationSettings(Local, horizon, EvaluationInterval: 50, deadline));

    [Fact]
    public void A_run_is_reproducible_from_its_seed()
    {
        var task = Tasks.SmallSynthetic();
        var sync1 = Federation(task).RunSync(new SyncSettings(5));
        var sync2 = Federation(task).RunSync(new SyncSettings(5));
        Assert.Equal(sync1.Series, sync2.Series);
        Assert.Equal(sync1.RoundDurations, sync2.RoundDurations);

        var buff = new AsyncSettings("fedbuff", "inverse_sqrt", Concurrency: 8, BufferSize: 3);
        var async1 = Federation(task).RunAsync(buff);
        var async2 = Federation(task).RunAsync(buff);
        Assert.Equal(async1.Series, async2.Series);
        Assert.Equal(async1.Staleness, async2.Staleness);
        Assert.True(async1.FinalVersion > 10);

        var other = Federation(task, seed: 6).RunAsync(buff);
        Assert.NotEqual(async1.Staleness, other.Staleness);
    }

    [Fact]
    public void A_sync_round_lasts_as_long_as_its_slowest_selected_client()
    {
        // Three clients with 2, 4 and 6 examples at 1, 1 and 3 s per example-epoch: 2 s, 4 s and 18 s.
        var shards = new[] { 2, 4, 6 }.Select((n, k) => Tasks.Random(n, 3, 2, seed: k)).ToArray();
        var task = new LearningTask("tiny", new FederatedData("tiny", shards, Tasks.Random(4, 3, 2, seed: 9)), new LogisticRegression(3, 2));
        var population = new ClientPopulation([2, 4, 6], [1.0, 1.0, 3.0], ClientHeterogeneity.ComputeOnly, seed: 1);
        var sim = new SimulatedFederation(task, population, new SimulationSettings(Local, Horizon: 100, EvaluationInterval: 1, ReportDeadline: null));

        var result = sim.RunSync(new SyncSettings(ClientsPerRound: 3));

        Assert.Equal(5, result.RoundDurations.Count);               // rounds close at 18, 36, 54, 72, 90
        Assert.All(result.RoundDurations, d => Assert.Equal(18.0, d, 9));
        Assert.Equal(5, result.FinalVersion);
        Assert.Equal(5 * 3 + 2, result.Accepted);                  // and the sixth round's two fast clients, by 94 s
        // The model changes only when a round closes.
        Assert.Equal(0, result.Series.Single(p => p.Time == 17).Version);
        Assert.Equal(1, result.Series.Single(p => p.Time == 19).Version);
    }

    [Fact]
    public void A_sync_round_with_a_dropped_client_closes_at_the_deadline_without_it()
    {
        var task = Tasks.SmallSynthetic(clients: 6);
        var population = ClientPopulation.Draw(task.Clients, ClientHeterogeneity.ComputeOnly with { DropoutProbability = 1, MedianRejoinDelay = 0 }, seed: 1);
        var sim = new SimulatedFederation(task, population, new SimulationSettings(Local, Horizon: 1000, EvaluationInterval: 100, ReportDeadline: 250));
        var result = sim.RunSync(new SyncSettings(3));
        Assert.All(result.RoundDurations, d => Assert.Equal(250.0, d, 9));
        Assert.Equal(0, result.Accepted);
        Assert.Equal(0, result.FinalVersion); // an empty round changes nothing
    }

    [Fact]
    public void Async_updates_are_stale_when_clients_are_slow_and_many_train_at_once()
    {
        var task = Tasks.SmallSynthetic();
        var result = Federation(task).RunAsync(new AsyncSettings("fedbuff", "inverse_sqrt", Concurrency: 10, BufferSize: 2));
        Assert.True(result.Accepted > 50);
        Assert.True(result.MeanStaleness > 1, $"mean staleness {result.MeanStaleness}");
        Assert.True(result.StalenessHistogram().Keys.Max() >= 5);
    }

    [Fact]
    public void One_client_at_a_time_is_never_stale()
    {
        var task = Tasks.SmallSynthetic();
        var result = Federation(task, ClientHeterogeneity.ComputeOnly).RunAsync(new AsyncSettings("fedasync", "polynomial", Concurrency: 1));
        Assert.True(result.Accepted > 10);
        Assert.All(result.Staleness, s => Assert.Equal(0, s));
    }

    [Fact]
    public void Every_strategy_learns_in_the_simulator()
    {
        var task = Tasks.SmallSynthetic();
        double initial = task.Evaluate(task.InitialParameters()).Accuracy;
        var sim = Federation(task, horizon: 6000);
        foreach (var s in new[]
                 {
                     new AsyncSettings("fedbuff", "inverse_sqrt", 8, 3),
                     new AsyncSettings("fedasync", "polynomial", 8, StrategyParameters: new Dictionary<string, double> { ["alpha"] = 0.3 }),
                     AsyncSettings.Seed(8),
                 })
        {
            var result = sim.RunAsync(s);
            Assert.True(result.FinalAccuracy() > initial + 0.15, $"{s.Label}: {initial} -> {result.FinalAccuracy()}");
        }
        Assert.True(sim.RunSync(new SyncSettings(8)).FinalAccuracy() > initial + 0.15);
    }

    [Fact]
    public void Server_momentum_is_a_setting_of_both_modes_and_sgd_stays_the_default()
    {
        var task = Tasks.SmallSynthetic();
        var sim = Federation(task);
        var plain = new AsyncSettings("fedbuff", "inverse_sqrt", 8, 3);
        Assert.Equal("sgd", plain.ServerOptimizer);
        Assert.IsType<Core.Optimizers.ServerSgd>(plain.ToAggregationSettings().Optimizer);
        var momentum = plain with { ServerOptimizer = "fedavgm", ServerLearningRate = 0.3, ServerMomentum = 0.5 };
        var optimizer = Assert.IsType<Core.Optimizers.FedAvgM>(momentum.ToAggregationSettings().Optimizer);
        Assert.Equal(0.3, optimizer.LearningRate);
        Assert.Equal(0.5, optimizer.Momentum);
        var syncMomentum = new SyncSettings(5, 0.3, "fedavgm", 0.5);
        Assert.IsType<Core.Optimizers.FedAvgM>(syncMomentum.ToAggregationSettings().Optimizer);
        Assert.Equal("sync_fedavgm", syncMomentum.Label);
        Assert.Equal("sync_fedavg", new SyncSettings(5).Label);

        // Same clients, same arrivals: the optimizer changes the model the server steps to, not who reports when.
        var a = sim.RunAsync(plain);
        var b = sim.RunAsync(momentum);
        Assert.Equal(a.AttemptsStarted, b.AttemptsStarted);
        Assert.NotEqual(a.Series.Select(p => p.Loss), b.Series.Select(p => p.Loss));
        var s1 = sim.RunSync(new SyncSettings(5));
        var s2 = sim.RunSync(syncMomentum);
        Assert.Equal(s1.RoundDurations, s2.RoundDurations);
        Assert.NotEqual(s1.Series.Select(p => p.Loss), s2.Series.Select(p => p.Loss));
    }
}
