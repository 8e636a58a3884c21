using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Core.Tests;

internal static class TestUpdates
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static ClientUpdate Delta(string client, long seq, long baseVersion, float[] values, long samples = 100) =>
        new(client, seq, new ModelVersion(baseVersion), UpdateKind.Delta, values, samples);

    public static ClientUpdate Weights(string client, long seq, long baseVersion, float[] values, long samples = 100) =>
        new(client, seq, new ModelVersion(baseVersion), UpdateKind.Weights, values, samples);

    public static AggregationEngine Engine(string strategy = "fedavg_staleness_aware", string staleness = "inverse_linear",
        string optimizer = "sgd", float[]? initial = null, int bufferSize = 1000, long maxStaleness = 10,
        Policies.PolicyParameters? strategyParameters = null, Policies.PolicyParameters? stalenessParameters = null,
        Policies.PolicyParameters? optimizerParameters = null, TimeSpan? window = null, long memoryLimit = 1L << 40,
        ValidationLimits? limits = null)
    {
        var settings = AggregationSettings.FromNames(strategy, staleness, optimizer, strategyParameters, stalenessParameters,
            optimizerParameters, new BufferPolicy(bufferSize, window ?? TimeSpan.FromHours(1), memoryLimit),
            limits ?? new ValidationLimits(maxStaleness: maxStaleness));
        return new AggregationEngine(settings, new GlobalModel(ModelVersion.Initial, initial ?? new float[2]), T0);
    }

    public static float[] Random(Random rng, int n, float scale = 1f)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return v;
    }
}
