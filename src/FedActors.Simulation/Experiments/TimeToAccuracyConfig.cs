using FedActors.Simulation.Federation;
using FedActors.Simulation.Learning;

namespace FedActors.Simulation.Experiments;

/// <summary>
/// The time-to-accuracy experiment's hyperparameters. Defaults are the documented MNIST settings (docs/simulation.md):
/// FedBuff as its paper recommends (K = 10, concurrency = 10 K, server lr 1, 1/sqrt(1 + s)) and left untuned; the
/// baselines are swept over their most important knob and the best setting is the one compared against.
/// </summary>
public sealed record TimeToAccuracyConfig
{
    public double TargetAccuracy { get; init; } = 0.85;

    /// <summary>Every method's clients train the same way.</summary>
    public LocalTrainingSettings Local { get; init; } = new(Epochs: 2, LearningRate: 0.05f, BatchSize: 10);

    public ClientHeterogeneity Heterogeneity { get; init; } = new();
    public int Seed { get; init; } = 7;

    /// <summary>Virtual seconds every method runs: long enough that sync has plateaued, so final accuracies compare.</summary>
    public double Horizon { get; init; } = 100_000;

    public double EvaluationInterval { get; init; } = 10;
    public double EvaluationGrowth { get; init; } = 0.01;

    /// <summary>The async timeout (a dropped client's slot is given to another) as a quantile of the clients' typical attempt times.</summary>
    public double AsyncDeadlineQuantile { get; init; } = 0.99;

    public int Concurrency { get; init; } = 100;
    public int BufferSize { get; init; } = 10;
    public double FedBuffServerLearningRate { get; init; } = 1.0;
    public string FedBuffStaleness { get; init; } = "inverse_sqrt";

    /// <summary>FedAsync's mixing weight alpha is swept; polynomial staleness with a = 0.5, as in Xie et al.</summary>
    public IReadOnlyList<double> FedAsyncAlphas { get; init; } = [0.1, 0.3, 0.6, 0.9, 1.0];
    public string FedAsyncStaleness { get; init; } = "polynomial";

    /// <summary>Sync cohorts swept; null: FedBuff's K and its concurrency.</summary>
    public IReadOnlyList<int>? SyncCohorts { get; init; }

    /// <summary>Sync report deadlines swept, as quantiles of the clients' typical attempt times; 0.99 is "wait for (nearly) the slowest".</summary>
    public IReadOnlyList<double> SyncDeadlineQuantiles { get; init; } = [0.1, 0.2, 0.3, 0.5, 0.75, 0.9, 0.99];

    /// <summary>Staleness functions (config names) compared with <see cref="StalenessTableStrategy"/>; null: all registered.</summary>
    public IReadOnlyList<string>? StalenessFunctions { get; init; }
    public string StalenessTableStrategy { get; init; } = "fedbuff";

    /// <summary>Final accuracy is the mean over the evaluations in this last fraction of the horizon.</summary>
    public double FinalWindow { get; init; } = 0.1;

    /// <summary>Runs at once (each run is single-threaded and deterministic, so this changes only the wall time).</summary>
    public int Parallelism { get; init; } = 1;

    public IReadOnlyList<int> EffectiveSyncCohorts => SyncCohorts ?? (BufferSize == Concurrency ? [Concurrency] : [BufferSize, Concurrency]);
}
