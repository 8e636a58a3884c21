using FedActors.Core.Policies;

namespace FedActors.Core.Staleness;

/// <summary>
/// How much an update counts given how many versions old its base model is: s(0) = 1, non-increasing, in (0, 1].
/// Implementations are one file each, named with <see cref="PolicyNameAttribute"/>.
/// </summary>
public interface IStalenessFunction
{
    string Name { get; }

    /// <summary>The weight of an update with staleness <paramref name="staleness"/> (>= 0).</summary>
    double Weight(long staleness);
}

public static class StalenessFunctions
{
    public static IStalenessFunction Create(string name, PolicyParameters? parameters = null) =>
        PolicyRegistry<IStalenessFunction>.Create(name, parameters);

    public static IReadOnlyList<string> Names => PolicyRegistry<IStalenessFunction>.Names;
}
