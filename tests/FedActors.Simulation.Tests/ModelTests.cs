using FedActors.Simulation.Data;
using FedActors.Simulation.Learning;
using FedActors.Simulation.Models;

namespace FedActors.Simulation.Tests;

public class ModelTests
{
    [Fact]
    public void Logistic_regression_gradient_matches_finite_differences() =>
        AssertGradientMatchesFiniteDifferences(new LogisticRegression(6, 4), Tasks.Random(12, 6, 4, seed: 1), paramSeed: 2, scale: 0.5f);

    [Fact]
    public void Mlp_gradient_matches_finite_differences() =>
        AssertGradientMatchesFiniteDifferences(new Mlp(5, 7, 3), Tasks.Random(10, 5, 3, seed: 3), paramSeed: 4, scale: 0.6f);

    [Fact]
    public void Mlp_initial_parameters_are_small_seeded_and_deterministic()
    {
        var mlp = new Mlp(784, 64, 10);
        var a = mlp.InitialParameters(1);
        Assert.Equal(a, mlp.InitialParameters(1));
        Assert.NotEqual(a, mlp.InitialParameters(2));
        Assert.Equal(784 * 64 + 64 + 64 * 10 + 10, a.Length);
        Assert.InRange(a.Max(v => Math.Abs(v)), 0.01f, 1f);
    }

    [Fact]
    public void Local_training_decreases_the_loss_on_the_clients_shard()
    {
        var task = Tasks.SmallSynthetic();
        var shard = task.Clients[0];
        var start = task.InitialParameters();
        double before = task.Model.Evaluate(start, shard).MeanLoss;
        var result = task.Train(start, shard, new LocalTrainingSettings(Epochs: 3, LearningRate: 0.01f, BatchSize: 10), new Random(1));
        double after = task.Model.Evaluate(result.Parameters, shard).MeanLoss;
        Assert.True(after < 0.8 * before, $"loss {before} -> {after}");
        Assert.Equal(3 * (int)Math.Ceiling(shard.Count / 10.0), result.Steps);
    }

    [Fact]
    public void Training_is_deterministic_given_the_random_source()
    {
        var task = Tasks.SmallSynthetic();
        var settings = new LocalTrainingSettings(2, 0.01f, 5);
        var a = task.Train(task.InitialParameters(), task.Clients[1], settings, new Random(7));
        var b = task.Train(task.InitialParameters(), task.Clients[1], settings, new Random(7));
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.TrainingLoss, b.TrainingLoss);
    }

    [Fact]
    public void A_model_trained_on_synthetic_data_beats_chance_by_a_wide_margin_on_the_held_out_set()
    {
        var data = SyntheticFedProx.Generate(1, 1, 10, seed: 11, maxSamplesPerClient: 400);
        var model = new LogisticRegression(data.FeatureCount, data.ClassCount);
        var all = Dataset.Concat(data.Clients);
        var result = LocalTrainer.Train(model, model.InitialParameters(1), all, new LocalTrainingSettings(3, 0.01f, 10), new Random(1));
        var test = model.Evaluate(result.Parameters, data.Test);
        Assert.True(test.Accuracy > 0.5, $"test accuracy {test.Accuracy} (chance 0.1)");
    }

    /// <summary>Central differences in double around random parameters, on every coordinate.</summary>
    private static void AssertGradientMatchesFiniteDifferences(IClassifier model, Dataset data, int paramSeed, float scale)
    {
        var rng = new Random(paramSeed);
        var p = Enumerable.Range(0, model.Dimension).Select(_ => (float)(rng.NextGaussian() * scale)).ToArray();
        var batch = Enumerable.Range(0, data.Count).ToArray();
        var gradient = new float[model.Dimension];
        model.AccumulateGradient(p, data, batch, gradient);

        const float h = 1e-3f; // small enough that no ReLU unit changes sides for these seeds, large enough for float32 losses
        var bad = new List<string>();
        for (int i = 0; i < p.Length; i++)
        {
            float keep = p[i];
            p[i] = keep + h;
            double up = model.Evaluate(p, data).LossSum;
            p[i] = keep - h;
            double down = model.Evaluate(p, data).LossSum;
            p[i] = keep;
            double numeric = (up - down) / (2 * h);
            if (Math.Abs(numeric - gradient[i]) > 2e-2 * Math.Max(1, Math.Abs(numeric))) bad.Add($"parameter {i}: analytic {gradient[i]}, numeric {numeric}");
        }
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }
}
