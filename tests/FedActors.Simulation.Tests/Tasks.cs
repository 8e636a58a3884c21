using FedActors.Simulation.Data;
using FedActors.Simulation.Learning;
using FedActors.Simulation.Models;

namespace FedActors.Simulation.Tests;

internal static class Tasks
{
    /// <summary>A small Synthetic task: quick to train, heterogeneous enough to show what the simulator does.</summary>
    public static LearningTask SmallSynthetic(int clients = 20, int seed = 3, int cap = 150)
    {
        var data = SyntheticFedProx.Generate(1, 1, clients, seed, maxSamplesPerClient: cap);
        return new LearningTask("synthetic_small", data, new LogisticRegression(data.FeatureCount, data.ClassCount));
    }

    /// <summary>A data set of <paramref name="count"/> random examples, seeded.</summary>
    public static Dataset Random(int count, int features, int classes, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        var y = Enumerable.Range(0, count).Select(_ => rng.Next(classes)).ToArray();
        return new Dataset(x, y, features, classes);
    }
}
