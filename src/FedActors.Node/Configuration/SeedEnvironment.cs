using System.Globalization;
using System.Text;

namespace FedActors.Node.Configuration;

/// <summary>
/// The seed's environment variables, each over its HOCON key. A value that does not parse is refused with the variable
/// and the key named; FedActorsSettings then checks ranges with the key named.
/// </summary>
public static class SeedEnvironment
{
    private enum Kind { Bool, Int, Seconds, Double, Text, Choice }

    private sealed record Variable(string Name, string Key, Kind Kind, string[]? Choices = null);

    private static readonly Variable[] Variables =
    [
        new("ASYNC_FL_ENABLED", "fedactors.enabled", Kind.Bool),
        new("STALENESS_THRESHOLD", "fedactors.aggregation.staleness.max", Kind.Int),
        new("AGGREGATION_BUFFER_SIZE", "fedactors.aggregation.buffer.size", Kind.Int),
        new("AGGREGATION_TIME_WINDOW", "fedactors.aggregation.buffer.time-window", Kind.Seconds),
        new("CLIENT_TIMEOUT", "fedactors.clients.max-inactive-time", Kind.Seconds),
        // The seed's penalty in 1/(1 + penalty * staleness); it applies to the inverse_linear staleness function.
        new("MAX_STALENESS_PENALTY", "fedactors.aggregation.staleness.parameters.penalty", Kind.Double),
        new("CLIENT_SELECTION_STRATEGY", "fedactors.clients.selection.strategy", Kind.Choice, [.. FedActors.Core.Selection.ClientSelectors.Names]),
        new("KAFKA_BOOTSTRAP_SERVERS", "fedactors.kafka.bootstrap-servers", Kind.Text),
        new("KAFKA_ASYNC_PRODUCER_ACKS", "fedactors.kafka.producer.acks", Kind.Choice, ["all", "-1", "0", "1"]),
        new("KAFKA_ASYNC_CONSUMER_GROUP", "fedactors.kafka.consumer.group-id", Kind.Text),
        new("KAFKA_AUTO_OFFSET_RESET", "fedactors.kafka.consumer.auto-offset-reset", Kind.Choice, ["latest", "earliest"]),
        new("KAFKA_ENABLE_AUTO_COMMIT", "fedactors.kafka.consumer.enable-auto-commit", Kind.Bool),
        new("KAFKA_CLIENT_UPDATES_TOPIC", "fedactors.kafka.topics.client-updates", Kind.Text),
        new("KAFKA_GLOBAL_MODEL_TOPIC", "fedactors.kafka.topics.global-model", Kind.Text),
        new("KAFKA_CLIENT_REGISTRATION_TOPIC", "fedactors.kafka.topics.client-registration", Kind.Text),
        new("KAFKA_SYSTEM_EVENTS_TOPIC", "fedactors.kafka.topics.system-events", Kind.Text),
        new("KAFKA_CLIENT_INVITATIONS_TOPIC", "fedactors.kafka.topics.client-invitations", Kind.Text),
        new("FEDACTORS_HTTP_TOKEN", "fedactors.http.token", Kind.Text),
    ];

    public static IReadOnlyList<string> Names => Variables.Select(v => v.Name).ToList();

    /// <summary>HOCON for the variables that are set; throws <see cref="ConfigurationError"/> naming the first bad one.</summary>
    public static string ToHocon(IReadOnlyDictionary<string, string?> environment)
    {
        var hocon = new StringBuilder();
        foreach (var v in Variables)
        {
            if (!environment.TryGetValue(v.Name, out var raw) || string.IsNullOrWhiteSpace(raw)) continue;
            hocon.Append(v.Key).Append(" = ").AppendLine(Value(v, raw.Trim()));
        }
        var unknown = environment.Keys.Where(k => k.StartsWith("KAFKA_", StringComparison.Ordinal) && Variables.All(v => v.Name != k)).Order().ToList();
        if (unknown.Count > 0)
            throw new ConfigurationError($"unknown Kafka variable {unknown[0]}: the ones FedActors reads are {string.Join(", ", Variables.Where(v => v.Name.StartsWith("KAFKA_")).Select(v => v.Name))}");
        return hocon.ToString();
    }

    public static IReadOnlyDictionary<string, string?> Current() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

    private static string Value(Variable v, string raw)
    {
        string Bad(string what) => throw new ConfigurationError($"{v.Name}={raw}: {what} (it sets {v.Key})");
        switch (v.Kind)
        {
            case Kind.Bool:
                return raw.ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" or "on" => "on",
                    "false" or "0" or "no" or "off" => "off",
                    _ => Bad("not true or false"),
                };
            case Kind.Int:
                return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n.ToString(CultureInfo.InvariantCulture) : Bad("not a whole number");
            case Kind.Seconds:
                return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && double.IsFinite(s)
                    ? $"{(long)Math.Round(s * 1000)}ms" : Bad("not a number of seconds");
            case Kind.Double:
                return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
                    ? d.ToString("R", CultureInfo.InvariantCulture) : Bad("not a number");
            case Kind.Choice:
                return v.Choices!.Contains(raw.ToLowerInvariant()) ? Quote(raw.ToLowerInvariant()) : Bad($"not one of {string.Join(", ", v.Choices!)}");
            default:
                return Quote(raw);
        }
    }

    internal static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>Configuration the node refuses at start; the message names the key.</summary>
public sealed class ConfigurationError(string message) : Exception(message);
