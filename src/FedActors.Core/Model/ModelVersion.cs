namespace FedActors.Core.Model;

/// <summary>The version of the global model: 0 for the initial model, +1 for every aggregation.</summary>
public readonly record struct ModelVersion(long Value) : IComparable<ModelVersion>
{
    public static readonly ModelVersion Initial = new(0);

    public ModelVersion Next() => new(Value + 1);

    /// <summary>How many versions <paramref name="later"/> is ahead of this one (the staleness of an update trained on this).</summary>
    public long StalenessAt(ModelVersion later) => later.Value - Value;

    public int CompareTo(ModelVersion other) => Value.CompareTo(other.Value);
    public static bool operator <(ModelVersion a, ModelVersion b) => a.Value < b.Value;
    public static bool operator >(ModelVersion a, ModelVersion b) => a.Value > b.Value;
    public static bool operator <=(ModelVersion a, ModelVersion b) => a.Value <= b.Value;
    public static bool operator >=(ModelVersion a, ModelVersion b) => a.Value >= b.Value;
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
