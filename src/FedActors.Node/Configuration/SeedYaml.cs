using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace FedActors.Node.Configuration;

/// <summary>
/// The seed's config/async_fl.yaml, accepted as a --config file: each known key becomes its HOCON key; an unknown key
/// is refused with its path, so a misspelling does not silently fall back to a default.
/// </summary>
public static class SeedYaml
{
    private static readonly Dictionary<string, (string Key, Func<string, string> Convert)> Keys = new(StringComparer.Ordinal)
    {
        ["async_federated_learning.enabled"] = ("fedactors.enabled", Bool),
        ["async_federated_learning.aggregation.strategy"] = ("fedactors.aggregation.strategy", Strategy),
        ["async_federated_learning.aggregation.buffer_size"] = ("fedactors.aggregation.buffer.size", Integer),
        ["async_federated_learning.aggregation.time_window_seconds"] = ("fedactors.aggregation.buffer.time-window", Seconds),
        ["async_federated_learning.aggregation.staleness_penalty"] = ("fedactors.aggregation.staleness.parameters.penalty", Number),
        ["async_federated_learning.aggregation.max_staleness"] = ("fedactors.aggregation.staleness.max", Integer),
        ["async_federated_learning.client_management.registration_timeout"] = ("fedactors.clients.selection.registration-timeout", Seconds),
        ["async_federated_learning.client_management.heartbeat_interval"] = ("fedactors.clients.heartbeat-interval", Seconds),
        ["async_federated_learning.client_management.client_selection_strategy"] = ("fedactors.clients.selection.strategy", Text),
        ["async_federated_learning.client_management.max_inactive_time"] = ("fedactors.clients.max-inactive-time", Seconds),
        ["async_federated_learning.kafka.bootstrap_servers"] = ("fedactors.kafka.bootstrap-servers", Text),
        ["async_federated_learning.kafka.topics.client_updates"] = ("fedactors.kafka.topics.client-updates", Text),
        ["async_federated_learning.kafka.topics.global_model"] = ("fedactors.kafka.topics.global-model", Text),
        ["async_federated_learning.kafka.topics.client_registration"] = ("fedactors.kafka.topics.client-registration", Text),
        ["async_federated_learning.kafka.topics.system_events"] = ("fedactors.kafka.topics.system-events", Text),
        ["async_federated_learning.kafka.producer.acks"] = ("fedactors.kafka.producer.acks", Text),
        ["async_federated_learning.kafka.producer.retries"] = ("fedactors.kafka.producer.retries", Integer),
        ["async_federated_learning.kafka.producer.max_in_flight_requests"] = ("fedactors.kafka.producer.max-in-flight-requests", Integer),
        ["async_federated_learning.kafka.consumer.group_id"] = ("fedactors.kafka.consumer.group-id", Text),
        ["async_federated_learning.kafka.consumer.auto_offset_reset"] = ("fedactors.kafka.consumer.auto-offset-reset", Text),
        ["async_federated_learning.kafka.consumer.enable_auto_commit"] = ("fedactors.kafka.consumer.enable-auto-commit", Bool),
    };

    public static string ToHocon(string yaml)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlDotNet.Core.YamlException e) { throw new ConfigurationError($"the YAML config does not parse at line {e.Start.Line}: {e.Message}"); }
        var hocon = new StringBuilder();
        if (stream.Documents.Count == 0) return "";
        Walk(stream.Documents[0].RootNode, "", hocon);
        return hocon.ToString();
    }

    private static void Walk(YamlNode node, string path, StringBuilder hocon)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children) Walk(v, path.Length == 0 ? ((YamlScalarNode)k).Value! : $"{path}.{((YamlScalarNode)k).Value}", hocon);
                break;
            case YamlScalarNode scalar:
                if (!Keys.TryGetValue(path, out var target))
                    throw new ConfigurationError($"unknown key {path} in the YAML config (known: {string.Join(", ", Keys.Keys.Select(k => k["async_federated_learning.".Length..]))})");
                string value = scalar.Value ?? "";
                try { hocon.Append(target.Key).Append(" = ").AppendLine(target.Convert(value)); }
                catch (FormatException) { throw new ConfigurationError($"{path}: '{value}' is not valid (it sets {target.Key})"); }
                break;
            default:
                throw new ConfigurationError($"{path}: a list is not expected here");
        }
    }

    private static string Text(string v) => SeedEnvironment.Quote(v);
    private static string Integer(string v) => long.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    private static string Number(string v) => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
    private static string Seconds(string v) => $"{(long)Math.Round(double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) * 1000)}ms";
    private static string Bool(string v) => v.ToLowerInvariant() switch { "true" or "yes" or "on" => "on", "false" or "no" or "off" => "off", _ => throw new FormatException() };
    // The seed's YAML calls its strategy "staleness_aware_fedavg"; FedActors' name for it is fedavg_staleness_aware.
    private static string Strategy(string v) => SeedEnvironment.Quote(v == "staleness_aware_fedavg" ? "fedavg_staleness_aware" : v);
}
