using Akka.Configuration;

namespace FedActors.Cluster.Configuration;

/// <summary>The reference configuration: the files of <c>hocon/</c>, embedded in this assembly.</summary>
public static class FedActorsConfig
{
    /// <summary>In the order they are layered; later files do not override earlier ones' keys (they are disjoint).</summary>
    public static readonly string[] Files = ["cluster.conf", "sharding.conf", "persistence.conf", "serialization.conf", "aggregation.conf", "node.conf"];

    public static Config Reference()
    {
        var assembly = typeof(FedActorsConfig).Assembly;
        Config config = Config.Empty;
        foreach (var file in Files)
        {
            using var stream = assembly.GetManifestResourceStream($"hocon/{file}")
                ?? throw new InvalidOperationException($"hocon/{file} is not embedded in {assembly.GetName().Name}");
            using var reader = new StreamReader(stream);
            config = config.WithFallback(ConfigurationFactory.ParseString(reader.ReadToEnd()));
        }
        return config;
    }

    /// <summary>The reference configuration under <paramref name="overrides"/> (HOCON text, e.g. from a --config file).</summary>
    public static Config With(string? overrides) =>
        string.IsNullOrWhiteSpace(overrides) ? Reference() : ConfigurationFactory.ParseString(overrides).WithFallback(Reference());
}
