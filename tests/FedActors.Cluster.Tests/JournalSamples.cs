using FedActors.Cluster.Aggregation;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Optimizers;

namespace FedActors.Cluster.Tests;

/// <summary>Fixed journal entries: the golden files hold these, written by the v1 format.</summary>
internal static class JournalSamples
{
    public static readonly DateTimeOffset At = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    public static ModelInitialized Initialized() => new(At, [0f, 0.5f, -1.25f, 3e-8f]);

    public static ModelAggregated Aggregated() => new(
        new AggregationInfo(new ModelVersion(17), At.AddSeconds(61), AggregationTrigger.TimeWindow, "fedavg_staleness_aware",
            NumClientsParticipated: 2, NumUpdates: 3, TotalSamples: 1500, MeanStaleness: 1.5, MaxStaleness: 3,
            MeanStalenessWeight: 0.875, MeanTrainingLoss: 0.234, MeanTrainingAccuracy: null, StepNorm: 0.125,
            FoldedKeys: [new("client_001", 4), new("client_002", 9), new("client_001", 5)]),
        [0.25f, -0.5f, 1e-3f, float.MaxValue]);

    public static AggregatorSnapshot Snapshot() => new(new EngineSnapshot(
        [new GlobalModel(new ModelVersion(16), [1f, 2f]), new GlobalModel(new ModelVersion(17), [1.5f, 2.5f])],
        new ServerOptimizerState(17, new Dictionary<string, float[]> { ["m"] = [0.1f, 0.2f], ["v"] = [1e-6f, 4e-6f] }),
        [("client_001", 5, 0b11UL), ("client_002", 9, 1UL)],
        At.AddSeconds(61)), Aggregations: 17);

    public static void AssertSame(ModelAggregated expected, ModelAggregated actual)
    {
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Info with { FoldedKeys = [] }, actual.Info with { FoldedKeys = [] });
        Assert.Equal(expected.Info.FoldedKeys, actual.Info.FoldedKeys);
    }

    public static void AssertSame(AggregatorSnapshot expected, AggregatorSnapshot actual)
    {
        Assert.Equal(expected.Aggregations, actual.Aggregations);
        Assert.Equal(expected.Engine.LastAggregationAt, actual.Engine.LastAggregationAt);
        Assert.Equal(expected.Engine.History.Select(m => (m.Version, m.Parameters)), actual.Engine.History.Select(m => (m.Version, m.Parameters)));
        Assert.Equal(expected.Engine.Optimizer.Steps, actual.Engine.Optimizer.Steps);
        Assert.Equal(expected.Engine.Optimizer.Buffers.OrderBy(b => b.Key), actual.Engine.Optimizer.Buffers.OrderBy(b => b.Key));
        Assert.Equal(expected.Engine.Ledger, actual.Engine.Ledger);
    }
}
