using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Policies;
using FedActors.Core.Selection;
using FedActors.Core.Validation;
using FedActors.Simulation.Learning;

namespace FedActors.Simulation.Federation;

/// <summary>What every mode shares: how clients train, how long the run lasts, how often the server evaluates.</summary>
/// <param name="Local">How each client trains (the same in every mode).</param>
/// <param name="Horizon">Virtual seconds the run lasts.</param>
/// <param name="EvaluationInterval">The global model is evaluated on the test set at every multiple of this (virtual seconds)...</param>
/// <param name="ReportDeadline">
/// How long the server waits for an invited client before giving up on it (virtual seconds from the invitation).
/// Sync: a round closes when every selected client reported or at the deadline, and later updates are discarded.
/// Async: the client's concurrency slot is given to another client at the deadline; its update, if it comes, is still
/// submitted. Null waits forever, which only makes sense without dropouts.
/// </param>
/// <param name="EvaluationGrowth">
/// ... or, once the run is long, every <c>(1 + growth) t</c>: the grid is fine where times to accuracy are short and
/// coarser later, so every time to accuracy is resolved to within about <c>growth</c> relatively, at a bounded cost.
/// </param>
public sealed record SimulationSettings(LocalTrainingSettings Local, double Horizon, double EvaluationInterval, double? ReportDeadline, double EvaluationGrowth = 0)
{
    public void Validate()
    {
        Local.Validate();
        if (!(Horizon > 0)) throw new ArgumentOutOfRangeException(nameof(Horizon));
        if (!(EvaluationInterval > 0)) throw new ArgumentOutOfRangeException(nameof(EvaluationInterval));
        if (ReportDeadline is { } d && !(d > 0)) throw new ArgumentOutOfRangeException(nameof(ReportDeadline));
        if (EvaluationGrowth is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(EvaluationGrowth));
    }
}

/// <summary>Synchronous FedAvg: rounds of <see cref="ClientsPerRound"/> clients, averaged by samples.</summary>
/// <param name="ClientsPerRound">The cohort selected each round.</param>
/// <param name="ServerLearningRate">The server optimizer's learning rate (1 with <c>sgd</c>: plain FedAvg).</param>
/// <param name="ServerOptimizer">
/// The server optimizer's config name: <c>sgd</c> (FedAvg) or, e.g., <c>fedavgm</c> (server momentum, Hsu et al. 2019:
/// FedAvgM, the sync baseline FedBuff's paper compares against).
/// </param>
/// <param name="ServerMomentum">The momentum of <c>fedavgm</c>; ignored by other optimizers.</param>
public sealed record SyncSettings(int ClientsPerRound, double ServerLearningRate = 1.0, string ServerOptimizer = "sgd", double ServerMomentum = 0.9)
{
    public string Label => ServerOptimizer == "sgd" ? "sync_fedavg" : $"sync_{ServerOptimizer}";

    /// <summary>
    /// FedAvg through the same engine the cluster runs: the seed's sample-weighted average of client models, with no
    /// staleness discount (every update of a round is trained from the round's model), applied with
    /// <see cref="ServerLearningRate"/>; aggregated by hand when the round closes, never by the buffer.
    /// </summary>
    public AggregationSettings ToAggregationSettings() => AggregationSettings.FromNames(
        "fedavg_staleness_aware", "constant", ServerOptimizer,
        optimizerParameters: ServerOptimizerParameters.For(ServerOptimizer, ServerLearningRate, ServerMomentum),
        buffer: new BufferPolicy(int.MaxValue, TimeSpan.FromDays(36500)),
        limits: new ValidationLimits(maxStaleness: 0)) with { ModelHistoryCapacity = 2 };
}

/// <summary>
/// Asynchronous aggregation through <see cref="AggregationEngine"/>: <see cref="Concurrency"/> clients train at once
/// (FedBuff's concurrency), the strategy and staleness function are chosen by their config names.
/// </summary>
public sealed record AsyncSettings(
    string Strategy,
    string Staleness,
    int Concurrency,
    int BufferSize = 10,
    double ServerLearningRate = 1.0,
    IReadOnlyDictionary<string, double>? StrategyParameters = null,
    IReadOnlyDictionary<string, double>? StalenessParameters = null,
    long MaxStaleness = 1000,
    TimeSpan? TimeWindow = null,
    string? Name = null,
    string ServerOptimizer = "sgd",
    double ServerMomentum = 0.9,
    SimulatedSelection? Selection = null)
{
    public string Label => Name ?? $"{Strategy}/{Staleness}";

    public AggregationSettings ToAggregationSettings()
    {
        var settings = AggregationSettings.FromNames(
            Strategy, Staleness, ServerOptimizer,
            StrategyParameters is null ? null : new PolicyParameters(StrategyParameters),
            StalenessParameters is null ? null : new PolicyParameters(StalenessParameters),
            ServerOptimizerParameters.For(ServerOptimizer, ServerLearningRate, ServerMomentum),
            new BufferPolicy(BufferSize, TimeWindow ?? TimeSpan.FromDays(36500)),
            new ValidationLimits(maxStaleness: MaxStaleness));
        // Deltas against a strategy that does not read base models need no history: keep only the current model.
        return settings.Strategy.NeedsBaseModels ? settings : settings with { ModelHistoryCapacity = 1 };
    }

    /// <summary>The seed document's staleness-aware FedAvg as the seed configures it (AggregationSettings.Seed()): buffer 15, 60 s window, 1/(1 + 0.1 s), max staleness 10.</summary>
    public static AsyncSettings Seed(int concurrency) =>
        new("fedavg_staleness_aware", "inverse_linear", concurrency, BufferSize: 15, MaxStaleness: 10, TimeWindow: TimeSpan.FromSeconds(60), Name: "seed_fedavg_staleness_aware");
}

/// <summary>
/// Who <see cref="SimulatedFederation.RunAsync"/> invites, through FedActors.Core's policy: a
/// <see cref="TrainingPacer"/> over <see cref="ClientSelectors.Create"/>(<see cref="Strategy"/>), as the cluster's
/// ClientSelectorActor runs it. Null on <see cref="AsyncSettings.Selection"/>: the simulator's own uniform draw among
/// the online idle clients (the figures measured before this existed).
/// </summary>
/// <param name="Strategy">A selection strategy's config name: <c>random</c>, <c>staleness_aware</c>, <c>resource_aware</c>.</param>
/// <param name="Parameters">The strategy's parameters, e.g. <c>exploration</c>.</param>
/// <param name="Criteria">The seed's client_selection_criteria; null admits every client (<see cref="AdmitAll"/>).</param>
public sealed record SimulatedSelection(string Strategy, IReadOnlyDictionary<string, double>? Parameters = null, SelectionCriteria? Criteria = null)
{
    /// <summary>No minimum of samples, no maximum of staleness.</summary>
    public static SelectionCriteria AdmitAll { get; } = new(MinSamples: 0, MaxStaleness: long.MaxValue);

    public SelectionCriteria EffectiveCriteria => Criteria ?? AdmitAll;

    public IClientSelector CreateSelector() => ClientSelectors.Create(Strategy, Parameters is null ? null : new PolicyParameters(Parameters));

    /// <summary>E.g. <c>resource_aware(exploration=0)</c>.</summary>
    public string Label => Parameters is not { Count: > 0 } p ? Strategy
        : $"{Strategy}({string.Join(",", p.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => FormattableString.Invariant($"{x.Key}={x.Value}")))})";
}

/// <summary>The optimizer parameters the simulation passes: the learning rate always, the momentum to <c>fedavgm</c> only.</summary>
internal static class ServerOptimizerParameters
{
    public static PolicyParameters For(string optimizer, double learningRate, double momentum) => optimizer == "fedavgm"
        ? PolicyParameters.Of(("learning-rate", learningRate), ("momentum", momentum))
        : PolicyParameters.Of(("learning-rate", learningRate));
}
