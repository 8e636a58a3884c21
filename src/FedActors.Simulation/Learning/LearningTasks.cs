using FedActors.Simulation.Data;
using FedActors.Simulation.Models;

namespace FedActors.Simulation.Learning;

/// <summary>How a named task is built: how many clients, the data seed, where MNIST's digits are.</summary>
public sealed record LearningTaskOptions(int Clients = 300, int Seed = 1, string? MnistDirectory = null, int MlpHidden = 64);

/// <summary>The built-in tasks, by name.</summary>
public static class LearningTasks
{
    /// <summary>Logistic regression on FedProx's Synthetic(1, 1).</summary>
    public const string Synthetic = "synthetic";
    /// <summary>Logistic regression on MNIST, two digits per client.</summary>
    public const string MnistLogReg = "mnist_logreg";
    /// <summary>A one-hidden-layer MLP on MNIST, two digits per client.</summary>
    public const string MnistMlp = "mnist_mlp";

    public static IReadOnlyList<string> Names { get; } = [Synthetic, MnistLogReg, MnistMlp];

    public static LearningTask Create(string name, LearningTaskOptions? options = null)
    {
        options ??= new LearningTaskOptions();
        switch (name.Trim().ToLowerInvariant())
        {
            case Synthetic:
            {
                var data = SyntheticFedProx.Generate(1, 1, options.Clients, options.Seed);
                return new LearningTask(Synthetic, data, new LogisticRegression(data.FeatureCount, data.ClassCount), options.Seed);
            }
            case MnistLogReg or MnistMlp:
            {
                if (options.MnistDirectory is null)
                    throw new ArgumentException($"task '{name}' needs the MNIST digits directory (MnistDataset.EnsureFetched)", nameof(options));
                var data = MnistDataset.Federated(MnistDataset.Load(options.MnistDirectory), options.Clients, nonIid: true, options.Seed);
                IClassifier model = name.Trim().ToLowerInvariant() == MnistMlp
                    ? new Mlp(data.FeatureCount, options.MlpHidden, data.ClassCount)
                    : new LogisticRegression(data.FeatureCount, data.ClassCount);
                return new LearningTask(name.Trim().ToLowerInvariant(), data, model, options.Seed);
            }
            default:
                throw new ArgumentException($"unknown learning task '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        }
    }
}
