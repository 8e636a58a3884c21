using Config = Akka.Configuration.Config;
using Confluent.Kafka;
using FedActors.Kafka;

namespace FedActors.Node.Configuration;

public sealed record KafkaSettings(
    string BootstrapServers, int DevBrokers, IReadOnlyList<int> DevBrokerPorts, KafkaTopics Topics, bool CreateTopics,
    string Acks, int Retries, int MaxInFlightRequests, string Compression, string GroupId, string AutoOffsetReset, TimeSpan SessionTimeout,
    Kafka.IngestSettings Ingest)
{
    public bool Embedded => BootstrapServers.Equals("embedded", StringComparison.OrdinalIgnoreCase);

    public ProducerConfig Producer(string bootstrap)
    {
        var config = Kafka.Streams.KafkaProducerFlow.SeedConfig(bootstrap);
        config.Acks = Acks switch { "all" or "-1" => Confluent.Kafka.Acks.All, "1" => Confluent.Kafka.Acks.Leader, _ => Confluent.Kafka.Acks.None };
        config.MessageSendMaxRetries = Retries;
        config.MaxInFlight = MaxInFlightRequests;
        config.CompressionType = Enum.Parse<CompressionType>(Compression, ignoreCase: true);
        return config;
    }

    public ConsumerConfig Consumer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = GroupId,
        AutoOffsetReset = AutoOffsetReset == "earliest" ? Confluent.Kafka.AutoOffsetReset.Earliest : Confluent.Kafka.AutoOffsetReset.Latest,
        SessionTimeoutMs = (int)SessionTimeout.TotalMilliseconds,
        HeartbeatIntervalMs = (int)Math.Max(100, SessionTimeout.TotalMilliseconds / 6),
        FetchWaitMaxMs = 10,
        MaxPartitionFetchBytes = 8 << 20,
        FetchMaxBytes = 64 << 20,
    };
}

public sealed record HttpSettings(string Hostname, int Port, string Token);

public sealed record TelemetrySettings(string MetricsExporter, string TracesExporter, string OtlpEndpoint);

/// <summary>The node's own settings (the actors' are FedActorsSettings). Every invalid value is refused with its key named.</summary>
public sealed record NodeSettings(bool Enabled, string SelectionStrategy, KafkaSettings Kafka, HttpSettings Http, TelemetrySettings Telemetry)
{
    public static NodeSettings From(Config config)
    {
        // The selectors' own registry names the choices (a plug-in selector counts too).
        string selection = OneOf(config, "fedactors.clients.selection.strategy", [.. FedActors.Core.Selection.ClientSelectors.Names]);
        const string k = "fedactors.kafka";
        if (config.GetBoolean($"{k}.consumer.enable-auto-commit", false))
            throw new ConfigurationError($"{k}.consumer.enable-auto-commit must be off: FedActors commits an offset only after the update is durable (at-least-once)");
        var topics = new KafkaTopics(Text(config, $"{k}.topics.client-updates"), Text(config, $"{k}.topics.global-model"),
            Text(config, $"{k}.topics.client-registration"), Text(config, $"{k}.topics.system-events"), Text(config, $"{k}.topics.client-invitations"));
        var ports = config.GetIntList($"{k}.dev-broker.ports") ?? [];
        int brokers = Int(config, $"{k}.dev-broker.brokers", 1, 16);
        if (ports.Count != 0 && ports.Count != brokers)
            throw new ConfigurationError($"{k}.dev-broker.ports has {ports.Count} ports for {brokers} brokers: give one per broker, or none");
        var kafka = new KafkaSettings(Text(config, $"{k}.bootstrap-servers"), brokers, ports.ToList(), topics,
            config.GetBoolean($"{k}.topics.create", true),
            OneOf(config, $"{k}.producer.acks", "all", "-1", "0", "1"), Int(config, $"{k}.producer.retries", 0, 1_000_000),
            Int(config, $"{k}.producer.max-in-flight-requests", 1, 5), OneOf(config, $"{k}.producer.compression", "none", "gzip", "snappy", "lz4", "zstd"),
            Text(config, $"{k}.consumer.group-id"), OneOf(config, $"{k}.consumer.auto-offset-reset", "latest", "earliest"),
            Duration(config, $"{k}.consumer.session-timeout"),
            new Kafka.IngestSettings
            {
                GroupId = Text(config, $"{k}.consumer.group-id"),
                MaxInFlight = Int(config, $"{k}.ingest.max-in-flight", 1, 1_000_000),
                RedeliverAfter = Duration(config, $"{k}.ingest.redeliver-after"),
                CommitBatch = Int(config, $"{k}.ingest.commit-batch", 1, 1_000_000),
                CommitInterval = Duration(config, $"{k}.ingest.commit-interval"),
            });
        var http = new HttpSettings(Text(config, "fedactors.http.hostname"), Int(config, "fedactors.http.port", 0, 65535), config.GetString("fedactors.http.token", ""));
        var telemetry = new TelemetrySettings(OneOf(config, "fedactors.telemetry.metrics-exporter", "prometheus", "otlp", "none"),
            OneOf(config, "fedactors.telemetry.traces-exporter", "otlp", "none"), Text(config, "fedactors.telemetry.otlp-endpoint"));
        return new NodeSettings(config.GetBoolean("fedactors.enabled", true), selection, kafka, http, telemetry);
    }

    private static string Text(Config c, string key) =>
        Try(key, () => c.GetString(key)) is { Length: > 0 } s ? s : throw new ConfigurationError($"{key} must be set");

    private static string OneOf(Config c, string key, params string[] choices)
    {
        string v = Text(c, key).ToLowerInvariant();
        return choices.Contains(v) ? v : throw new ConfigurationError($"{key} = {v} is not one of {string.Join(", ", choices)}");
    }

    private static int Int(Config c, string key, int min, int max)
    {
        int v = Try(key, () => c.GetInt(key));
        return v >= min && v <= max ? v : throw new ConfigurationError($"{key} = {v} is outside {min}..{max}");
    }

    private static TimeSpan Duration(Config c, string key)
    {
        var v = Try(key, () => c.GetTimeSpan(key));
        return v > TimeSpan.Zero ? v : throw new ConfigurationError($"{key} must be a positive duration");
    }

    private static T Try<T>(string key, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not ConfigurationError) { throw new ConfigurationError($"{key}: {e.Message}"); }
    }
}
