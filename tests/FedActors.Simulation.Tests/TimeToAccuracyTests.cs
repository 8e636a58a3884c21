using FedActors.Simulation.Experiments;
using FedActors.Simulation.Federation;
using FedActors.Simulation.Learning;

namespace FedActors.Simulation.Tests;

public class TimeToAccuracyTests
{
    [Fact]
    public void The_experiment_compares_the_four_methods_and_every_staleness_function_on_one_population()
    {
        var task = Tasks.SmallSynthetic(clients: 20);
        var config = Small with { StalenessFunctions = null };   // every registered function
        var result = TimeToAccuracy.Run(task, config);

        Assert.Equal(4, result.SyncSweep.Count);   // cohorts {2, 6} x deadlines {0.5, 0.99}
        Assert.Equal(2, result.FedAsyncSweep.Count);
        Assert.Same(TimeToAccuracy.Best(result.SyncSweep), result.Sync);
        Assert.Equal(Core.Staleness.StalenessFunctions.Names.Order(), result.StalenessTable.Select(o => (string)o.Hyperparameters["staleness"]).Order());
        Assert.NotNull(result.FedBuff.TimeToTarget);
        Assert.NotNull(result.SyncOverFedBuff);
        Assert.Equal(result.Sync.TimeToTarget / result.FedBuff.TimeToTarget, result.SyncOverFedBuff);

        var json = TimeToAccuracyJson.ToJson(result);
        foreach (var key in new[] { "sync_over_fedbuff", "fedasync_over_fedbuff", "final_accuracy", "staleness_functions", "methods" })
            Assert.True(json.ContainsKey(key), key);
        foreach (var method in TimeToAccuracyJson.Methods)
        {
            Assert.NotNull(json["final_accuracy"]![method]);
            Assert.NotNull(json["methods"]![method]!["series"]!["accuracy"]);
        }
    }

    private static TimeToAccuracyConfig Small => new()
    {
        TargetAccuracy = 0.3,
        Local = new LocalTrainingSettings(1, 0.01f, 10),
        Heterogeneity = new ClientHeterogeneity(MedianSecondsPerSampleEpoch: 0.2),
        Horizon = 3000,
        EvaluationInterval = 25,
        Concurrency = 6,
        BufferSize = 2,
        FedAsyncAlphas = [0.3, 0.6],
        SyncDeadlineQuantiles = [0.5, 0.99],
        StalenessFunctions = ["constant"],
    };

    [Fact]
    public void Settings_chosen_on_tuning_seeds_are_the_ones_every_evaluation_seed_runs()
    {
        var task = Tasks.SmallSynthetic(clients: 20);
        var steps = new[] { new ServerStep("sgd", 1), new ServerStep("fedavgm", 0.3) };
        var config = Small with { ServerSteps = steps, TuningSeeds = [11, 12], EvaluationSeeds = [21, 22], SweepHorizon = 1500 };
        var all = TimeToAccuracy.RunSeeds(task, config);

        Assert.Equal([21, 22], all.Evaluations.Select(r => r.Config.Seed));
        Assert.Equal(2 * 2 * 2, all.Sweeps[11].Sync.Count);       // cohorts {2, 6} x deadlines {0.5, 0.99} x 2 server steps
        Assert.Equal(2, all.Sweeps[11].FedBuff.Count);            // the same server steps
        int sync = TimeToAccuracy.ChooseAcross([all.Sweeps[11].Sync, all.Sweeps[12].Sync]);
        int buff = TimeToAccuracy.ChooseAcross([all.Sweeps[11].FedBuff, all.Sweeps[12].FedBuff]);
        foreach (var r in all.Evaluations)
        {
            Assert.True(r.HeldOut);
            // The tuning seeds' choice, not this seed's best: the same settings on every evaluation seed.
            Assert.Equal(all.Sweeps[11].Sync[sync].Hyperparameters["deadline_quantile"], r.Sync.Hyperparameters["deadline_quantile"]);
            Assert.Equal(all.Sweeps[11].Sync[sync].Hyperparameters["clients_per_round"], r.Sync.Hyperparameters["clients_per_round"]);
            Assert.Equal(all.Sweeps[11].Sync[sync].Hyperparameters["server_optimizer"], r.Sync.Hyperparameters["server_optimizer"]);
            Assert.Equal(all.Sweeps[11].FedBuff[buff].Hyperparameters["server_optimizer"], r.FedBuff.Hyperparameters["server_optimizer"]);
            // The sweeps stop at the sweep horizon, the chosen settings run the whole horizon; the short run is a prefix of the long one.
            Assert.InRange(r.SyncSweep[0].Result.Series[^1].Time, 1400, 1500);
            Assert.InRange(r.Sync.Result.Series[^1].Time, 2900, 3000);
            var sweptTwin = r.SyncSweep.Single(o => o.Hyperparameters.OrderBy(h => h.Key).SequenceEqual(r.Sync.Hyperparameters.OrderBy(h => h.Key)));
            Assert.Equal(sweptTwin.Result.Series, r.Sync.Result.Series.Take(sweptTwin.Result.Series.Count));
        }
        Assert.DoesNotContain(all.Evaluations[1].StalenessTable, o => o.Method == "fedbuff/constant");
        Assert.Contains(all.Evaluations[0].StalenessTable, o => o.Method == "fedbuff/constant");

        var json = TimeToAccuracyJson.ToJson(all);
        Assert.Equal("held_out", (string?)json["selection"]);
        Assert.Equal(2, json["seeds"]!.AsArray().Count);
        foreach (var key in new[] { "sync_over_fedbuff", "fedasync_over_fedbuff", "final_accuracy", "sync_over_fedbuff_mean", "tuning" })
            Assert.True(json.ContainsKey(key), key);
        Assert.Equal(all.Primary.SyncOverFedBuff, (double?)json["sync_over_fedbuff"]);
        if (all.Evaluations.All(r => r.SyncOverFedBuff is not null))
            Assert.Equal(all.Evaluations.Average(r => r.SyncOverFedBuff!.Value), (double)json["sync_over_fedbuff_mean"]!, 9);
    }

    [Fact]
    public void Without_tuning_seeds_each_seed_runs_the_best_of_its_own_sweep()
    {
        var task = Tasks.SmallSynthetic(clients: 20);
        var result = TimeToAccuracy.Run(task, Small with { ServerSteps = [new ServerStep("sgd", 1), new ServerStep("sgd", 2)] });
        Assert.False(result.HeldOut);
        Assert.Same(TimeToAccuracy.Best(result.SyncSweep), result.Sync);
        Assert.Same(TimeToAccuracy.Best(result.FedBuffSweep), result.FedBuff);
        Assert.Equal(result.SyncOverFedBuff, result.InSampleSyncOverFedBuff);
        Assert.Equal(8, result.SyncSweep.Count);
    }

    [Fact]
    public void The_selection_table_runs_fedbuff_at_its_chosen_setting_with_each_selection_on_every_evaluation_seed()
    {
        var task = Tasks.SmallSynthetic(clients: 20);
        var config = Small with { Selections = TimeToAccuracyConfig.StandardSelections, EvaluationSeeds = [21, 22], FedAsyncAlphas = [0.6] };
        var all = TimeToAccuracy.RunSeeds(task, config);
        foreach (var r in all.Evaluations)
        {
            Assert.Equal(["random", "staleness_aware", "resource_aware", "resource_aware(exploration=0)"], r.SelectionTable.Select(o => (string)o.Hyperparameters["selection"]));
            Assert.All(r.SelectionTable, o => Assert.Equal(r.FedBuff.Hyperparameters["server_learning_rate"], o.Hyperparameters["server_learning_rate"]));
            Assert.All(r.SelectionTable, o => Assert.Equal(r.FedBuff.Result.Series[^1].Time, o.Result.Series[^1].Time));   // the whole horizon
        }
        var table = TimeToAccuracyJson.ToJson(all)["selection_table"]!;
        var rows = table["rows"]!.AsArray();
        Assert.Equal(5, rows.Count);   // uniform (FedBuff's own runs) and the four selections
        Assert.Equal("uniform", (string)rows[0]!["selection"]!);
        Assert.All(rows, row => Assert.Equal(2, row!["seeds"]!.AsArray().Count));
        Assert.Equal(all.Evaluations[1].SelectionTable[3].FinalAccuracy, (double)rows[4]!["seeds"]![1]!["final_accuracy"]!);
        // Without selections there is no table.
        Assert.Null(TimeToAccuracyJson.ToJson(TimeToAccuracy.Run(task, Small))["selection_table"]);
    }
}
