using System.Globalization;
using Akka.Configuration;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Policies;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Configuration;

/// <summary>What the aggregator singleton needs. <see cref="CreateAggregation"/> makes fresh policies (optimizers hold state).</summary>
public sealed record AggregatorSettings(
    Func<AggregationSettings> CreateAggregation,
    Func<GlobalModel> CreateInitialModel,
    TimeSpan TickInterval,
    int SnapshotEvery)
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    public string PersistenceId { get; init; } = "fl-aggregator";
    /// <summary>Akka's CircuitBreaker around the outside publisher: failures before it opens, call timeout, time before a retry.</summary>
    public (int MaxFailures, TimeSpan CallTimeout, TimeSpan ResetTimeout) PublisherBreaker { get; init; } =
        (5, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
}

public sealed record ClientSettings(int Shards, TimeSpan HeartbeatInterval, TimeSpan MaxInactiveTime, long MaxStaleness)
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>Who is invited to train and how many train at once (fedactors.clients.selection); <see cref="Pacing"/>.Concurrency 0 is off.</summary>
public sealed record SelectionSettings(string Strategy, Func<Core.Selection.IClientSelector> CreateSelector, Core.Selection.PacingSettings Pacing, TimeSpan FillInterval)
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    public int Seed { get; init; } = 42;
    public bool Enabled => Pacing.Concurrency > 0;
}

public sealed record JournalSettings(string Provider, string ConnectionString)
{
    public bool IsSqlite => Provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Settings read from configuration. Every invalid value is refused with its key named.</summary>
public sealed record FedActorsSettings(AggregatorSettings Aggregator, ClientSettings Clients, JournalSettings Journal, SelectionSettings Selection)
{
    public static FedActorsSettings From(Config config)
    {
        const string a = "fedactors.aggregation";
        string strategy = Required(config, $"{a}.strategy");
        string staleness = Required(config, $"{a}.staleness.function");
        string optimizer = Required(config, $"{a}.server-optimizer.name");
        var strategyParameters = Parameters(config, $"{a}.strategy-parameters");
        var stalenessParameters = Parameters(config, $"{a}.staleness.parameters");
        var optimizerParameters = Parameters(config, $"{a}.server-optimizer.parameters");
        long maxStaleness = Range(config, $"{a}.staleness.max", Read(config, $"{a}.staleness.max", c => c.GetLong($"{a}.staleness.max", 10)), 0, 100_000);
        int bufferSize = (int)Range(config, $"{a}.buffer.size", Read(config, $"{a}.buffer.size", c => c.GetInt($"{a}.buffer.size", 15)), 1, 1_000_000);
        var window = Positive(config, $"{a}.buffer.time-window", Read(config, $"{a}.buffer.time-window", c => c.GetTimeSpan($"{a}.buffer.time-window", TimeSpan.FromSeconds(60))));
        long memory = Range(config, $"{a}.buffer.memory-limit", Read(config, $"{a}.buffer.memory-limit", c => c.GetByteSize($"{a}.buffer.memory-limit") ?? (1L << 30)), 1, long.MaxValue);
        long maxSamples = Range(config, $"{a}.validation.max-num-samples", Read(config, $"{a}.validation.max-num-samples", c => c.GetLong($"{a}.validation.max-num-samples", 10_000_000)), 1, long.MaxValue);
        double maxNorm = Read(config, $"{a}.validation.max-update-norm", c => c.GetDouble($"{a}.validation.max-update-norm", 0));
        if (maxNorm < 0 || double.IsNaN(maxNorm)) throw Invalid($"{a}.validation.max-update-norm", "must be >= 0 (0 = no bound)");
        int dimension = (int)Range(config, $"{a}.model.dimension", Read(config, $"{a}.model.dimension", c => c.GetInt($"{a}.model.dimension", 7850)), 1, 1 << 30);
        string initial = config.GetString($"{a}.model.initial", "zeros");
        if (initial is not ("zeros" or "normal")) throw Invalid($"{a}.model.initial", "must be zeros or normal");
        int seed = Read(config, $"{a}.model.seed", c => c.GetInt($"{a}.model.seed", 42));
        var tick = Positive(config, $"{a}.tick-interval", Read(config, $"{a}.tick-interval", c => c.GetTimeSpan($"{a}.tick-interval", TimeSpan.FromSeconds(1))));
        int snapshotEvery = (int)Range(config, "fedactors.journal.snapshot-every", Read(config, "fedactors.journal.snapshot-every", c => c.GetInt("fedactors.journal.snapshot-every", 100)), 1, int.MaxValue);

        var buffer = new BufferPolicy(bufferSize, window, memory);
        var limits = new ValidationLimits(maxStaleness, maxSamples, maxNorm == 0 ? double.PositiveInfinity : maxNorm);
        AggregationSettings Create() => AggregationSettings.FromNames(strategy, staleness, optimizer,
            Copy(strategyParameters), Copy(stalenessParameters), Copy(optimizerParameters), buffer, limits);
        Wrap(() => Create());   // fail at start, with the policy named, not when the singleton first starts

        var clients = new ClientSettings(
            (int)Range(config, "fedactors.clients.shards", Read(config, "fedactors.clients.shards", c => c.GetInt("fedactors.clients.shards", 100)), 1, 100_000),
            Positive(config, "fedactors.clients.heartbeat-interval", Read(config, "fedactors.clients.heartbeat-interval", c => c.GetTimeSpan("fedactors.clients.heartbeat-interval", TimeSpan.FromSeconds(60)))),
            Positive(config, "fedactors.clients.max-inactive-time", Read(config, "fedactors.clients.max-inactive-time", c => c.GetTimeSpan("fedactors.clients.max-inactive-time", TimeSpan.FromSeconds(300)))),
            maxStaleness);

        string provider = config.GetString("fedactors.journal.provider", "sqlite");
        if (provider is not ("sqlite" or "postgres")) throw Invalid("fedactors.journal.provider", "must be sqlite or postgres");
        var journal = new JournalSettings(provider, Required(config, "fedactors.journal.connection-string"));

        const string sel = "fedactors.clients.selection";
        string selector = Required(config, $"{sel}.strategy");
        var selectorParameters = Parameters(config, $"{sel}.parameters");
        var pacing = new Core.Selection.PacingSettings(
            (int)Range(config, $"{sel}.concurrency", Read(config, $"{sel}.concurrency", c => c.GetInt($"{sel}.concurrency", 100)), 0, 10_000_000),
            Positive(config, $"{sel}.invitation-timeout", Read(config, $"{sel}.invitation-timeout", c => c.GetTimeSpan($"{sel}.invitation-timeout", TimeSpan.FromMinutes(10)))),
            new Core.Selection.SelectionCriteria(
                Range(config, $"{sel}.criteria.min-samples", Read(config, $"{sel}.criteria.min-samples", c => c.GetLong($"{sel}.criteria.min-samples", 100)), 0, long.MaxValue),
                Range(config, $"{sel}.criteria.max-staleness", Read(config, $"{sel}.criteria.max-staleness", c => c.GetLong($"{sel}.criteria.max-staleness", 5)), 0, 100_000)));
        var fill = Positive(config, $"{sel}.fill-interval", Read(config, $"{sel}.fill-interval", c => c.GetTimeSpan($"{sel}.fill-interval", TimeSpan.FromMilliseconds(100))));
        Core.Selection.IClientSelector CreateSelector() => Core.Selection.ClientSelectors.Create(selector, Copy(selectorParameters));
        try { CreateSelector(); }
        catch (PolicyConfigurationException e) { throw new ConfigurationException($"{sel}: {e.Message}"); }
        var selection = new SelectionSettings(selector, CreateSelector, pacing, fill);

        var breaker = (
            (int)Range(config, $"{a}.publisher-breaker.max-failures", Read(config, $"{a}.publisher-breaker.max-failures", c => c.GetInt($"{a}.publisher-breaker.max-failures", 5)), 1, 1000),
            Positive(config, $"{a}.publisher-breaker.call-timeout", Read(config, $"{a}.publisher-breaker.call-timeout", c => c.GetTimeSpan($"{a}.publisher-breaker.call-timeout", TimeSpan.FromSeconds(10)))),
            Positive(config, $"{a}.publisher-breaker.reset-timeout", Read(config, $"{a}.publisher-breaker.reset-timeout", c => c.GetTimeSpan($"{a}.publisher-breaker.reset-timeout", TimeSpan.FromSeconds(30)))));
        return new FedActorsSettings(
            new AggregatorSettings(Create, () => InitialModel(dimension, initial, seed), tick, snapshotEvery) { PublisherBreaker = breaker },
            clients, journal, selection);
    }

    public static GlobalModel InitialModel(int dimension, string initial, int seed)
    {
        var parameters = new float[dimension];
        if (initial == "normal")
        {
            var rng = new Random(seed);
            for (int i = 0; i < dimension; i++)
                parameters[i] = (float)(0.01 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }
        return new GlobalModel(ModelVersion.Initial, parameters);
    }

    private static PolicyParameters Copy(PolicyParameters p) => new(p.Keys.ToDictionary(k => k, k => p.Get(k, 0)));

    private static void Wrap(Action create)
    {
        try { create(); }
        catch (PolicyConfigurationException e) { throw new ConfigurationException($"fedactors.aggregation: {e.Message}"); }
    }

    private static PolicyParameters Parameters(Config config, string path)
    {
        var values = new Dictionary<string, double>();
        if (!config.HasPath(path)) return new PolicyParameters(values);
        foreach (var (key, value) in config.GetConfig(path).AsEnumerable())
        {
            if (!double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                throw Invalid($"{path}.{key}", $"must be a number, got '{value.GetString()}'");
            values[key] = number;
        }
        return new PolicyParameters(values);
    }

    /// <summary>A typed read whose parse error names the key (HOCON's own message does not).</summary>
    private static T Read<T>(Config config, string path, Func<Config, T> read)
    {
        try { return read(config); }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or InvalidCastException)
        {
            throw Invalid(path, $"has an invalid value '{config.GetString(path, "")}' ({e.Message})");
        }
    }

    private static string Required(Config config, string path)
    {
        var value = config.GetString(path, null);
        if (string.IsNullOrWhiteSpace(value)) throw Invalid(path, "is required");
        return value;
    }

    private static long Range(Config config, string path, long value, long min, long max) =>
        value < min || value > max ? throw Invalid(path, $"must be between {min} and {max}, got {value}") : value;

    private static TimeSpan Positive(Config config, string path, TimeSpan value) =>
        value <= TimeSpan.Zero ? throw Invalid(path, $"must be > 0, got {value}") : value;

    private static ConfigurationException Invalid(string path, string rule) => new($"{path} {rule}");
}
