using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>
/// Applies the aggregated pseudo-gradient (the step the clients' deltas call for) to the global model.
/// Stateful optimizers expose their state so that it is snapshotted with the model.
/// Implementations are one file each, named with <see cref="PolicyNameAttribute"/>.
/// </summary>
public interface IServerOptimizer
{
    string Name { get; }

    /// <summary><paramref name="model"/> is changed in place.</summary>
    void Step(Span<float> model, ReadOnlySpan<float> pseudoGradient);

    ServerOptimizerState ExportState();
    void ImportState(ServerOptimizerState state);
}

/// <summary>An optimizer's state: how many steps it took and its per-parameter buffers by name (e.g. "m", "v").</summary>
public sealed record ServerOptimizerState(long Steps, IReadOnlyDictionary<string, float[]> Buffers)
{
    public static ServerOptimizerState Stateless(long steps) => new(steps, new Dictionary<string, float[]>());
}

public static class ServerOptimizers
{
    public static IServerOptimizer Create(string name, PolicyParameters? parameters = null) =>
        PolicyRegistry<IServerOptimizer>.Create(name, parameters);

    public static IReadOnlyList<string> Names => PolicyRegistry<IServerOptimizer>.Names;
}
