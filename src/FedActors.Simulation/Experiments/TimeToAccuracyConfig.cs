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

    /// <summary>
    /// Server steps swept for sync and for FedBuff alike (the same list for both, so both get the same tuning budget on
    /// this axis); null: sync runs plain FedAvg (sgd, lr 1) and FedBuff <c>sgd</c> at <see cref="FedBuffServerLearningRate"/>.
    /// </summary>
    public IReadOnlyList<ServerStep>? ServerSteps { get; init; }

    /// <summary>
    /// The sweeps (sync, FedAsync, FedBuff) run this long, and only the settings they choose run the whole
    /// <see cref="Horizon"/>; null: the whole horizon. A shorter run is an exact prefix of the longer one (same events,
    /// same evaluations), so a time to target within it is the same; only the final accuracies need the long run.
    /// </summary>
    public double? SweepHorizon { get; init; }

    /// <summary>
    /// Seeds whose sweeps choose every method's setting (the lowest geometric-mean time to target over them); the
    /// choice is then evaluated on <see cref="EvaluationSeeds"/>. Empty: each seed picks its own best (in-sample: the
    /// best of a sweep of noisy curves on the seed it is measured on, which flatters the methods that are swept).
    /// </summary>
    public IReadOnlyList<int> TuningSeeds { get; init; } = [];

    /// <summary>The seeds reported; null: <see cref="Seed"/> alone. The first is the one the single-seed JSON fields describe.</summary>
    public IReadOnlyList<int>? EvaluationSeeds { get; init; }

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

    /// <summary>
    /// Client selections compared with FedBuff at its chosen setting on every evaluation seed (the selection table);
    /// null or empty: none. FedBuff's own runs keep the simulator's uniform draw.
    /// </summary>
    public IReadOnlyList<SimulatedSelection>? Selections { get; init; }

    /// <summary>random, staleness_aware and resource_aware at their default exploration (0.1), and resource_aware without exploration (the seed's pure sort).</summary>
    public static IReadOnlyList<SimulatedSelection> StandardSelections { get; } =
    [
        new("random"), new("staleness_aware"), new("resource_aware"),
        new("resource_aware", new Dictionary<string, double> { ["exploration"] = 0 }),
    ];

    /// <summary>Final accuracy is the mean over the evaluations in this last fraction of the horizon.</summary>
    public double FinalWindow { get; init; } = 0.1;

    /// <summary>Runs at once (each run is single-threaded and deterministic, so this changes only the wall time).</summary>
    public int Parallelism { get; init; } = 1;

    public IReadOnlyList<ServerStep> EffectiveSyncServerSteps => ServerSteps ?? [new ServerStep("sgd", 1.0)];
    public IReadOnlyList<ServerStep> EffectiveFedBuffServerSteps => ServerSteps ?? [new ServerStep("sgd", FedBuffServerLearningRate)];
    public IReadOnlyList<int> EffectiveEvaluationSeeds => EvaluationSeeds ?? [Seed];

    public IReadOnlyList<int> EffectiveSyncCohorts => SyncCohorts ?? (BufferSize == Concurrency ? [Concurrency] : [BufferSize, Concurrency]);
}

/// <summary>A server optimizer by config name (<c>sgd</c>, <c>fedavgm</c>) and its learning rate (and momentum, for <c>fedavgm</c>).</summary>
public sealed record ServerStep(string Optimizer, double LearningRate, double Momentum = 0.9)
{
    public override string ToString() => Optimizer == "fedavgm"
        ? FormattableString.Invariant($"fedavgm lr {LearningRate} momentum {Momentum}")
        : FormattableString.Invariant($"{Optimizer} lr {LearningRate}");
}
