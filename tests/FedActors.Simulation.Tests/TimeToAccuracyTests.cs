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
        var config = new TimeToAccuracyConfig
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
        };
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
}
