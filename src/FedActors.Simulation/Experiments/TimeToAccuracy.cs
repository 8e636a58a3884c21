using System.Collections.Concurrent;
using FedActors.Simulation.Federation;
using FedActors.Simulation.Learning;

namespace FedActors.Simulation.Experiments;

/// <summary>One method's run: its settings, its result, its time to the target and its final accuracy.</summary>
public sealed record MethodOutcome(
    string Method,
    IReadOnlyDictionary<string, object> Hyperparameters,
    SimulationResult Result,
    double? TimeToTarget,
    double FinalAccuracy,
    double FinalLoss);

/// <summary>
/// The experiment's answer for one population seed. Ratios are null where a method never reached the target within
/// the horizon. <see cref="Sync"/>, <see cref="FedAsync"/> and <see cref="FedBuff"/> are the settings chosen
/// (<see cref="HeldOut"/>: on other seeds; else the best of this seed's sweep), run for the whole horizon.
/// </summary>
public sealed record TimeToAccuracyResult(
    string Task,
    TimeToAccuracyConfig Config,
    double AsyncDeadline,
    MethodOutcome Sync,
    MethodOutcome FedAsync,
    MethodOutcome FedBuff,
    MethodOutcome Seed,
    MethodOutcome SyncWaitForSlowest,
    IReadOnlyList<MethodOutcome> SyncSweep,
    IReadOnlyList<MethodOutcome> FedAsyncSweep,
    IReadOnlyList<MethodOutcome> StalenessTable,
    IReadOnlyList<MethodOutcome>? FedBuffSweepOutcomes = null,
    bool HeldOut = false,
    IReadOnlyList<MethodOutcome>? SelectionOutcomes = null)
{
    public IReadOnlyList<MethodOutcome> FedBuffSweep => FedBuffSweepOutcomes ?? [FedBuff];

    /// <summary>FedBuff at its chosen setting with each of the config's <see cref="TimeToAccuracyConfig.Selections"/>, in their order.</summary>
    public IReadOnlyList<MethodOutcome> SelectionTable => SelectionOutcomes ?? [];

    public double? SyncOverFedBuff => Ratio(Sync, FedBuff);
    public double? FedAsyncOverFedBuff => Ratio(FedAsync, FedBuff);
    public double? SeedOverFedBuff => Ratio(Seed, FedBuff);
    public double? SyncWaitForSlowestOverFedBuff => Ratio(SyncWaitForSlowest, FedBuff);

    /// <summary>The best of this seed's sync sweep over the best of its FedBuff sweep: both picked on the seed they are measured on.</summary>
    public double? InSampleSyncOverFedBuff => Ratio(TimeToAccuracy.Best(SyncSweep), TimeToAccuracy.Best(FedBuffSweep));
    public double? InSampleFedAsyncOverFedBuff => Ratio(TimeToAccuracy.Best(FedAsyncSweep), TimeToAccuracy.Best(FedBuffSweep));

    public static double? Ratio(MethodOutcome slower, MethodOutcome faster) =>
        slower.TimeToTarget is { } s && faster.TimeToTarget is { } f && f > 0 ? s / f : null;
}

/// <summary>The experiment over several population seeds: the settings chosen on <see cref="TuningSeeds"/>, each evaluation seed's result.</summary>
public sealed record TimeToAccuracySeedsResult(
    TimeToAccuracyConfig Config,
    IReadOnlyList<int> TuningSeeds,
    IReadOnlyList<TimeToAccuracyResult> Evaluations,
    IReadOnlyDictionary<int, TimeToAccuracySweeps> Sweeps)
{
    public TimeToAccuracyResult Primary => Evaluations[0];
}

/// <summary>One seed's sweeps (at the sweep horizon), in the order of the config's lists.</summary>
public sealed record TimeToAccuracySweeps(IReadOnlyList<MethodOutcome> Sync, IReadOnlyList<MethodOutcome> FedAsync, IReadOnlyList<MethodOutcome> FedBuff);

/// <summary>
/// Sync FedAvg, FedAsync, FedBuff and the seed's staleness-aware FedAvg on the same task, the same clients and the
/// same stragglers (one population per seed; <see cref="TimeToAccuracyResult.Config"/>'s Seed is the one measured): the virtual time each first reaches the target accuracy, and its
/// final accuracy. Sync, FedAsync and FedBuff are swept (sync over cohort, deadline and server step; FedBuff over the
/// same server steps; FedAsync over alpha), and each method's setting is chosen either on the measured seed (the best
/// of its sweep) or, with <see cref="TimeToAccuracyConfig.TuningSeeds"/>, on other seeds. The staleness functions are
/// compared on the same task with one strategy, on the first evaluation seed.
/// </summary>
public static class TimeToAccuracy
{
    private const string SyncGroup = "sync", FedAsyncGroup = "fedasync", FedBuffGroup = "fedbuff";

    /// <summary>One seed, <see cref="TimeToAccuracyConfig.Seed"/>.</summary>
    public static TimeToAccuracyResult Run(ILearningTask task, TimeToAccuracyConfig config, Action<string>? log = null) =>
        RunSeeds(task, config with { EvaluationSeeds = [config.Seed] }, log).Primary;

    public static TimeToAccuracySeedsResult RunSeeds(ILearningTask task, TimeToAccuracyConfig config, Action<string>? log = null)
    {
        var evaluationSeeds = config.EffectiveEvaluationSeeds;
        if (evaluationSeeds.Count == 0) throw new ArgumentException("at least one evaluation seed", nameof(config));
        var seeds = config.TuningSeeds.Concat(evaluationSeeds).Distinct().ToArray();
        var contexts = seeds.ToDictionary(s => s, s => new SeedContext(task, config, s));
        double sweepHorizon = Math.Min(config.SweepHorizon ?? config.Horizon, config.Horizon);

        // 1. The sweeps, every seed.
        var sweepSpecs = seeds.SelectMany(s => SweepSpecs(contexts[s], sweepHorizon)).ToList();
        var sweepOutcomes = Execute(sweepSpecs, config, log);
        var sweeps = seeds.ToDictionary(s => s, s =>
        {
            MethodOutcome[] Of(string g) => sweepSpecs.Select((r, i) => (r, i)).Where(x => x.r.Seed == s && x.r.Group == g).Select(x => sweepOutcomes[x.i]).ToArray();
            return new TimeToAccuracySweeps(Of(SyncGroup), Of(FedAsyncGroup), Of(FedBuffGroup));
        });

        // 2. The choice: on the tuning seeds, or each seed's own best.
        bool heldOut = config.TuningSeeds.Count > 0;
        int Choose(Func<TimeToAccuracySweeps, IReadOnlyList<MethodOutcome>> sweep, int seed) => heldOut
            ? ChooseAcross(config.TuningSeeds.Select(t => sweep(sweeps[t])).ToArray())
            : IndexOfBest(sweep(sweeps[seed]));

        // 3. The chosen settings, the seed's strategy and sync waiting for the slowest, for the whole horizon.
        var finalSpecs = new List<RunSpec>();
        var picks = new Dictionary<int, (int Sync, int FedAsync, int FedBuff, int Slowest)>();
        foreach (int seed in evaluationSeeds)
        {
            var ctx = contexts[seed];
            var all = SweepSpecs(ctx, config.Horizon);
            RunSpec[] Of(string g) => all.Where(r => r.Group == g).ToArray();
            int sync = Choose(x => x.Sync, seed), fedAsync = Choose(x => x.FedAsync, seed), fedBuff = Choose(x => x.FedBuff, seed);
            var syncSpecs = Of(SyncGroup);
            var chosenStep = syncSpecs[sync].Step!;
            int slowest = Array.FindIndex(syncSpecs, r => r.Step == chosenStep && (int)r.Hyper["clients_per_round"] == config.Concurrency &&
                                                          (double)r.Hyper["deadline_quantile"] == config.SyncDeadlineQuantiles.Max());
            if (slowest < 0) slowest = Array.FindIndex(syncSpecs, r => r.Step == chosenStep);
            picks[seed] = (sync, fedAsync, fedBuff, slowest);
            if (sweepHorizon < config.Horizon)
            {
                finalSpecs.Add(syncSpecs[sync] with { Group = "final/" + SyncGroup });
                finalSpecs.Add(Of(FedAsyncGroup)[fedAsync] with { Group = "final/" + FedAsyncGroup });
                finalSpecs.Add(Of(FedBuffGroup)[fedBuff] with { Group = "final/" + FedBuffGroup });
                if (slowest != sync) finalSpecs.Add(syncSpecs[slowest] with { Group = "final/slowest" });
            }
            var seedSettings = AsyncSettings.Seed(config.Concurrency);
            finalSpecs.Add(new RunSpec(seed, "seed", "seed_fedavg_staleness_aware", AsyncHyper(seedSettings, ctx.AsyncDeadline), null,
                () => ctx.Federation(ctx.AsyncDeadline, config.Horizon).RunAsync(seedSettings)));
            var fedBuffStep = Of(FedBuffGroup)[fedBuff].Step!;
            foreach (var selection in config.Selections ?? [])
            {
                var s = FedBuff(config, config.FedBuffStaleness, fedBuffStep, $"fedbuff+{selection.Label}") with { Selection = selection };
                var hyper = AsyncHyper(s, ctx.AsyncDeadline, ("selection", selection.Label), ("selection_strategy", selection.Strategy));
                foreach (var (k, v) in selection.Parameters ?? new Dictionary<string, double>()) hyper["selection_" + k] = v;
                if (selection.Criteria is { } criteria)
                {
                    hyper["criteria_min_samples"] = criteria.MinSamples;
                    hyper["criteria_max_staleness"] = criteria.MaxStaleness;
                }
                else hyper["criteria"] = "none";
                finalSpecs.Add(new RunSpec(seed, "selection", s.Label, hyper, fedBuffStep, () => ctx.Federation(ctx.AsyncDeadline, config.Horizon).RunAsync(s)));
            }
            if (seed != evaluationSeeds[0]) continue;
            foreach (var function in config.StalenessFunctions ?? Core.Staleness.StalenessFunctions.Names)
            {
                if (function == config.FedBuffStaleness && config.StalenessTableStrategy == "fedbuff") continue; // that run is FedBuff's own
                var s = config.StalenessTableStrategy == "fedbuff"
                    ? FedBuff(config, function, fedBuffStep, $"fedbuff/{function}")
                    : new AsyncSettings(config.StalenessTableStrategy, function, config.Concurrency, config.BufferSize, Name: $"{config.StalenessTableStrategy}/{function}");
                finalSpecs.Add(new RunSpec(seed, "staleness", s.Label, AsyncHyper(s, ctx.AsyncDeadline), fedBuffStep,
                    () => ctx.Federation(ctx.AsyncDeadline, config.Horizon).RunAsync(s)));
            }
        }
        var finalOutcomes = Execute(finalSpecs, config, log);
        MethodOutcome[] Final(int seed, string group) =>
            finalSpecs.Select((r, i) => (r, i)).Where(x => x.r.Seed == seed && x.r.Group == group).Select(x => finalOutcomes[x.i]).ToArray();

        var results = new List<TimeToAccuracyResult>();
        foreach (int seed in evaluationSeeds)
        {
            var (sync, fedAsync, fedBuff, slowest) = picks[seed];
            var sw = sweeps[seed];
            bool rerun = sweepHorizon < config.Horizon;
            var syncOutcome = rerun ? Final(seed, "final/" + SyncGroup)[0] : sw.Sync[sync];
            var fedAsyncOutcome = rerun ? Final(seed, "final/" + FedAsyncGroup)[0] : sw.FedAsync[fedAsync];
            var buff = rerun ? Final(seed, "final/" + FedBuffGroup)[0] : sw.FedBuff[fedBuff];
            var slowestOutcome = !rerun ? sw.Sync[slowest] : slowest == sync ? syncOutcome : Final(seed, "final/slowest")[0];
            var table = Final(seed, "staleness").ToList();
            if (seed == evaluationSeeds[0] && config.StalenessTableStrategy == "fedbuff") table.Insert(0, buff);
            table = table.OrderBy(o => o.Result.Method, StringComparer.Ordinal).ToList();
            results.Add(new TimeToAccuracyResult(task.Name, config with { Seed = seed }, contexts[seed].AsyncDeadline, syncOutcome, fedAsyncOutcome, buff,
                Final(seed, "seed")[0], slowestOutcome, sw.Sync, sw.FedAsync, table, sw.FedBuff, heldOut, Final(seed, "selection")));
        }
        return new TimeToAccuracySeedsResult(config, config.TuningSeeds, results, sweeps);
    }

    /// <summary>The fastest to the target; among those that never reach it, the most accurate at the end.</summary>
    public static MethodOutcome Best(IReadOnlyList<MethodOutcome> candidates) => candidates[IndexOfBest(candidates)];

    private static int IndexOfBest(IReadOnlyList<MethodOutcome> candidates) =>
        Enumerable.Range(0, candidates.Count)
            .OrderBy(i => candidates[i].TimeToTarget ?? double.PositiveInfinity).ThenByDescending(i => candidates[i].FinalAccuracy).First();

    /// <summary>
    /// The setting (index into each seed's sweep, all in the same order) with the lowest geometric-mean time to target
    /// over the seeds; a seed where it never reaches the target counts as infinitely slow. Ties: the most accurate at the end on average.
    /// </summary>
    public static int ChooseAcross(IReadOnlyList<IReadOnlyList<MethodOutcome>> sweeps)
    {
        int n = sweeps[0].Count;
        if (sweeps.Any(s => s.Count != n)) throw new ArgumentException("every seed's sweep has the same settings", nameof(sweeps));
        return Enumerable.Range(0, n)
            .OrderBy(i => sweeps.Average(s => s[i].TimeToTarget is { } t ? Math.Log(t) : double.PositiveInfinity))
            .ThenByDescending(i => sweeps.Average(s => s[i].FinalAccuracy)).First();
    }

    private sealed record RunSpec(int Seed, string Group, string Method, Dictionary<string, object> Hyper, ServerStep? Step, Func<SimulationResult> Run);

    private sealed class SeedContext
    {
        private readonly ILearningTask _task;
        private readonly TimeToAccuracyConfig _config;

        public SeedContext(ILearningTask task, TimeToAccuracyConfig config, int seed)
        {
            _task = task;
            _config = config;
            Seed = seed;
            Population = ClientPopulation.Draw(task.Clients, config.Heterogeneity, seed);
            AsyncDeadline = Population.TypicalDurationQuantile(config.AsyncDeadlineQuantile, config.Local.Epochs);
        }

        public int Seed { get; }
        public ClientPopulation Population { get; }
        public double AsyncDeadline { get; }
        public TimeToAccuracyConfig Config => _config;

        public SimulatedFederation Federation(double deadline, double horizon) => new(_task, Population,
            new SimulationSettings(_config.Local, horizon, _config.EvaluationInterval, deadline, _config.EvaluationGrowth));
    }

    private static List<RunSpec> SweepSpecs(SeedContext ctx, double horizon)
    {
        var config = ctx.Config;
        int epochs = config.Local.Epochs;
        var runs = new List<RunSpec>();
        foreach (int cohort in config.EffectiveSyncCohorts)
            foreach (double q in config.SyncDeadlineQuantiles)
                foreach (var step in config.EffectiveSyncServerSteps)
                {
                    double deadline = ctx.Population.TypicalDurationQuantile(q, epochs);
                    var sync = new SyncSettings(cohort, step.LearningRate, step.Optimizer, step.Momentum);
                    var hyper = new Dictionary<string, object>
                    {
                        ["clients_per_round"] = cohort, ["deadline_quantile"] = q, ["deadline_s"] = deadline, ["server_optimizer"] = step.Optimizer,
                        ["server_learning_rate"] = step.LearningRate,
                    };
                    if (step.Optimizer == "fedavgm") hyper["server_momentum"] = step.Momentum;
                    runs.Add(new RunSpec(ctx.Seed, SyncGroup, sync.Label, hyper, step, () => ctx.Federation(deadline, horizon).RunSync(sync)));
                }
        foreach (double alpha in config.FedAsyncAlphas)
        {
            var s = new AsyncSettings("fedasync", config.FedAsyncStaleness, config.Concurrency,
                StrategyParameters: new Dictionary<string, double> { ["alpha"] = alpha }, Name: "fedasync");
            runs.Add(new RunSpec(ctx.Seed, FedAsyncGroup, "fedasync", AsyncHyper(s, ctx.AsyncDeadline, ("alpha", alpha)), null,
                () => ctx.Federation(ctx.AsyncDeadline, horizon).RunAsync(s)));
        }
        foreach (var step in config.EffectiveFedBuffServerSteps)
        {
            var s = FedBuff(config, config.FedBuffStaleness, step, "fedbuff");
            runs.Add(new RunSpec(ctx.Seed, FedBuffGroup, "fedbuff", AsyncHyper(s, ctx.AsyncDeadline), step,
                () => ctx.Federation(ctx.AsyncDeadline, horizon).RunAsync(s)));
        }
        return runs;
    }

    private static MethodOutcome[] Execute(List<RunSpec> runs, TimeToAccuracyConfig config, Action<string>? log)
    {
        var outcomes = new MethodOutcome[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, config.Parallelism) }, i =>
        {
            var r = runs[i];
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = r.Run();
            outcomes[i] = new MethodOutcome(r.Method, r.Hyper, result, result.TimeToAccuracy(config.TargetAccuracy),
                result.FinalAccuracy(config.FinalWindow), result.FinalLoss(config.FinalWindow));
            log?.Invoke($"seed {r.Seed,-3} {r.Group,-14} {r.Method,-28} {string.Join(' ', r.Hyper.Select(h => $"{h.Key}={Format(h.Value)}"))}: " +
                        $"t({config.TargetAccuracy:0.###}) = {(outcomes[i].TimeToTarget is { } t ? $"{t:F0} s" : "never")}, " +
                        $"final {outcomes[i].FinalAccuracy:F4} at {result.Series[^1].Time:F0} s ({started.Elapsed.TotalSeconds:F1} s wall)");
        });
        return outcomes;
    }

    private static AsyncSettings FedBuff(TimeToAccuracyConfig config, string staleness, ServerStep step, string name) =>
        new("fedbuff", staleness, config.Concurrency, config.BufferSize, step.LearningRate, Name: name, ServerOptimizer: step.Optimizer, ServerMomentum: step.Momentum);

    private static Dictionary<string, object> AsyncHyper(AsyncSettings s, double deadline, params (string Key, object Value)[] extra)
    {
        var h = new Dictionary<string, object>
        {
            ["strategy"] = s.Strategy, ["staleness"] = s.Staleness, ["concurrency"] = s.Concurrency, ["server_learning_rate"] = s.ServerLearningRate,
            ["max_staleness"] = s.MaxStaleness, ["timeout_s"] = deadline, ["server_optimizer"] = s.ServerOptimizer,
        };
        if (s.ServerOptimizer == "fedavgm") h["server_momentum"] = s.ServerMomentum;
        if (s.Strategy != "fedasync") h["buffer_size"] = s.BufferSize;
        if (s.TimeWindow is { } w) h["time_window_s"] = w.TotalSeconds;
        foreach (var (k, v) in extra) h[k] = v;
        return h;
    }

    private static string Format(object v) => v switch
    {
        double d => d.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
