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

/// <summary>The experiment's answer. Ratios are null where a method never reached the target within the horizon.</summary>
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
    IReadOnlyList<MethodOutcome> StalenessTable)
{
    public double? SyncOverFedBuff => Ratio(Sync, FedBuff);
    public double? FedAsyncOverFedBuff => Ratio(FedAsync, FedBuff);
    public double? SeedOverFedBuff => Ratio(Seed, FedBuff);
    public double? SyncWaitForSlowestOverFedBuff => Ratio(SyncWaitForSlowest, FedBuff);

    public static double? Ratio(MethodOutcome slower, MethodOutcome faster) =>
        slower.TimeToTarget is { } s && faster.TimeToTarget is { } f && f > 0 ? s / f : null;
}

/// <summary>
/// Sync FedAvg, FedAsync, FedBuff and the seed's staleness-aware FedAvg on the same task, the same clients and the
/// same stragglers (one population, one seed): the virtual time each first reaches the target accuracy, and its
/// final accuracy. Sync and FedAsync are swept and the best of each is compared (fair to the baselines); FedBuff
/// runs with its paper's settings. The staleness functions are compared on the same task with one strategy.
/// </summary>
public static class TimeToAccuracy
{
    public static TimeToAccuracyResult Run(ILearningTask task, TimeToAccuracyConfig config, Action<string>? log = null)
    {
        var population = ClientPopulation.Draw(task.Clients, config.Heterogeneity, config.Seed);
        int epochs = config.Local.Epochs;
        double asyncDeadline = population.TypicalDurationQuantile(config.AsyncDeadlineQuantile, epochs);
        SimulatedFederation Federation(double deadline) => new(task, population,
            new SimulationSettings(config.Local, config.Horizon, config.EvaluationInterval, deadline, config.EvaluationGrowth));

        var runs = new List<(string Group, string Method, Dictionary<string, object> Hyper, Func<SimulationResult> Run)>();
        foreach (int cohort in config.EffectiveSyncCohorts)
            foreach (double q in config.SyncDeadlineQuantiles)
            {
                double deadline = population.TypicalDurationQuantile(q, epochs);
                var sync = new SyncSettings(cohort);
                runs.Add(("sync", "sync_fedavg", new() { ["clients_per_round"] = cohort, ["deadline_quantile"] = q, ["deadline_s"] = deadline, ["server_learning_rate"] = sync.ServerLearningRate },
                    () => Federation(deadline).RunSync(sync)));
            }
        var asyncFederation = Federation(asyncDeadline);
        foreach (double alpha in config.FedAsyncAlphas)
        {
            var s = new AsyncSettings("fedasync", config.FedAsyncStaleness, config.Concurrency,
                StrategyParameters: new Dictionary<string, double> { ["alpha"] = alpha }, Name: "fedasync");
            runs.Add(("fedasync", "fedasync", AsyncHyper(s, asyncDeadline, ("alpha", alpha)), () => asyncFederation.RunAsync(s)));
        }
        var fedBuff = FedBuff(config, config.FedBuffStaleness, "fedbuff");
        runs.Add(("fedbuff", "fedbuff", AsyncHyper(fedBuff, asyncDeadline), () => asyncFederation.RunAsync(fedBuff)));
        var seed = AsyncSettings.Seed(config.Concurrency);
        runs.Add(("seed", "seed_fedavg_staleness_aware", AsyncHyper(seed, asyncDeadline), () => asyncFederation.RunAsync(seed)));
        foreach (var function in config.StalenessFunctions ?? Core.Staleness.StalenessFunctions.Names)
        {
            if (function == config.FedBuffStaleness && config.StalenessTableStrategy == "fedbuff") continue; // that run is FedBuff's own
            var s = config.StalenessTableStrategy == "fedbuff"
                ? FedBuff(config, function, $"fedbuff/{function}")
                : new AsyncSettings(config.StalenessTableStrategy, function, config.Concurrency, config.BufferSize, Name: $"{config.StalenessTableStrategy}/{function}");
            runs.Add(("staleness", s.Label, AsyncHyper(s, asyncDeadline), () => asyncFederation.RunAsync(s)));
        }

        var outcomes = new MethodOutcome[runs.Count];
        var done = new ConcurrentQueue<string>();
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, config.Parallelism) }, i =>
        {
            var (group, method, hyper, run) = runs[i];
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = run();
            outcomes[i] = new MethodOutcome(method, hyper, result, result.TimeToAccuracy(config.TargetAccuracy),
                result.FinalAccuracy(config.FinalWindow), result.FinalLoss(config.FinalWindow));
            log?.Invoke($"{group,-9} {method,-30} {string.Join(' ', hyper.Select(h => $"{h.Key}={Format(h.Value)}"))}: " +
                        $"t({config.TargetAccuracy:0.###}) = {(outcomes[i].TimeToTarget is { } t ? $"{t:F0} s" : "never")}, final {outcomes[i].FinalAccuracy:F4} " +
                        $"({started.Elapsed.TotalSeconds:F1} s wall)");
        });

        MethodOutcome[] Group(string g) => runs.Select((r, i) => (r.Group, i)).Where(x => x.Group == g).Select(x => outcomes[x.i]).ToArray();
        var syncSweep = Group("sync");
        var fedAsyncSweep = Group("fedasync");
        var buff = Group("fedbuff")[0];
        var table = Group("staleness").ToList();
        if (config.StalenessTableStrategy == "fedbuff") table.Insert(0, buff);
        table = table.OrderBy(o => o.Result.Method, StringComparer.Ordinal).ToList();
        var slowest = syncSweep
            .Where(o => (int)o.Hyperparameters["clients_per_round"] == config.Concurrency)
            .OrderByDescending(o => (double)o.Hyperparameters["deadline_quantile"]).First();
        return new TimeToAccuracyResult(task.Name, config, asyncDeadline, Best(syncSweep), Best(fedAsyncSweep), buff, Group("seed")[0], slowest,
            syncSweep, fedAsyncSweep, table);
    }

    /// <summary>The fastest to the target; among those that never reach it, the most accurate at the end.</summary>
    public static MethodOutcome Best(IReadOnlyList<MethodOutcome> candidates) =>
        candidates.OrderBy(o => o.TimeToTarget ?? double.PositiveInfinity).ThenByDescending(o => o.FinalAccuracy).First();

    private static AsyncSettings FedBuff(TimeToAccuracyConfig config, string staleness, string name) =>
        new("fedbuff", staleness, config.Concurrency, config.BufferSize, config.FedBuffServerLearningRate, Name: name);

    private static Dictionary<string, object> AsyncHyper(AsyncSettings s, double deadline, params (string Key, object Value)[] extra)
    {
        var h = new Dictionary<string, object>
        {
            ["strategy"] = s.Strategy, ["staleness"] = s.Staleness, ["concurrency"] = s.Concurrency, ["server_learning_rate"] = s.ServerLearningRate,
            ["max_staleness"] = s.MaxStaleness, ["timeout_s"] = deadline,
        };
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
