using System.Globalization;

namespace FedActors.Core.Policies;

/// <summary>A policy's numeric parameters from config. Reads are tracked so that a misspelt key is refused, not ignored.</summary>
public sealed class PolicyParameters
{
    private readonly Dictionary<string, double> _values;
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    public PolicyParameters(IReadOnlyDictionary<string, double>? values = null)
    {
        _values = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (values is null) return;
        foreach (var (key, value) in values) _values[Normalize(key)] = value;
    }

    public static PolicyParameters Empty => new();

    public static PolicyParameters Of(params (string Key, double Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value));

    /// <summary>The policy name the parameters belong to, used in error messages.</summary>
    public string Owner { get; internal set; } = "policy";

    public IEnumerable<string> Keys => _values.Keys;

    public double Get(string key, double defaultValue)
    {
        key = Normalize(key);
        _read.Add(key);
        return _values.TryGetValue(key, out var v) ? v : defaultValue;
    }

    public double GetPositive(string key, double defaultValue) => Require(key, Get(key, defaultValue), v => v > 0, "> 0");
    public double GetNonNegative(string key, double defaultValue) => Require(key, Get(key, defaultValue), v => v >= 0, ">= 0");
    public double GetFraction(string key, double defaultValue) => Require(key, Get(key, defaultValue), v => v is >= 0 and < 1, "in [0, 1)");
    public double GetUnitInterval(string key, double defaultValue) => Require(key, Get(key, defaultValue), v => v is > 0 and <= 1, "in (0, 1]");

    /// <summary>Keys that were given but never read: typos, or parameters of another policy.</summary>
    public IReadOnlyList<string> UnreadKeys() => _values.Keys.Where(k => !_read.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();

    public IReadOnlyCollection<string> ReadKeys => _read;

    private double Require(string key, double value, Func<double, bool> ok, string rule)
    {
        if (!double.IsFinite(value) || !ok(value))
            throw new PolicyConfigurationException(
                $"{Owner}: parameter '{Normalize(key)}' must be {rule}, got {value.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    // HOCON and YAML spell keys with '-' or '_'; both mean the same parameter.
    private static string Normalize(string key) => key.Trim().Replace('_', '-').ToLowerInvariant();
}

/// <summary>A policy name or parameter in config is wrong; the message names it.</summary>
public sealed class PolicyConfigurationException(string message) : Exception(message);
