using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Validation;
using static FedActors.Core.Tests.TestUpdates;

namespace FedActors.Core.Tests;

public class ValidationTests
{
    private static AggregationEngine EngineAtVersion3(long maxStaleness = 10, double maxNorm = double.PositiveInfinity, int? history = null)
    {
        var settings = AggregationSettings.FromNames("fedbuff", "constant", "sgd",
            buffer: new BufferPolicy(1000), limits: new ValidationLimits(maxStaleness, maxNumSamples: 1000, maxUpdateNorm: maxNorm))
            with { ModelHistoryCapacity = history };
        var engine = new AggregationEngine(settings, new GlobalModel(ModelVersion.Initial, [1, 2, 3]), T0);
        for (int k = 0; k < 3; k++)
        {
            engine.Submit(Delta("warm", k, k, [0.5f, 0, 0]), T0);
            engine.Aggregate(AggregationTrigger.Manual, T0);
        }
        return engine;
    }

    public static TheoryData<string, ClientUpdate, RejectReason> Rejects() => new()
    {
        { "empty client id", Delta(" ", 0, 3, [0, 0, 0]), RejectReason.InvalidClientId },
        { "negative sequence", Delta("c", -1, 3, [0, 0, 0]), RejectReason.InvalidSequence },
        { "unknown kind", new ClientUpdate("c", 0, new ModelVersion(3), (UpdateKind)42, new float[3], 10), RejectReason.UnknownKind },
        { "too few parameters", Delta("c", 0, 3, [0, 0]), RejectReason.WrongDimension },
        { "too many parameters", Delta("c", 0, 3, [0, 0, 0, 0]), RejectReason.WrongDimension },
        { "NaN", Delta("c", 0, 3, [0, float.NaN, 0]), RejectReason.NonFiniteValue },
        { "infinity", Delta("c", 0, 3, [float.PositiveInfinity, 0, 0]), RejectReason.NonFiniteValue },
        { "NaN in full weights", Weights("c", 0, 2, [0, float.NaN, 0]), RejectReason.NonFiniteValue },
        { "zero samples", Delta("c", 0, 3, [0, 0, 0], samples: 0), RejectReason.NumSamplesNotPositive },
        { "negative samples", Delta("c", 0, 3, [0, 0, 0], samples: -5), RejectReason.NumSamplesNotPositive },
        { "too many samples", Delta("c", 0, 3, [0, 0, 0], samples: 1001), RejectReason.NumSamplesAboveLimit },
        { "norm overflow", Delta("c", 0, 3, [3e38f, 3e38f, 0]), RejectReason.NormAboveLimit },
        { "base from the future", Delta("c", 0, 4, [0, 0, 0]), RejectReason.BaseVersionFromFuture },
        { "duplicate", Delta("warm", 1, 1, [0, 0, 0]), RejectReason.DuplicateUpdate },
    };

    [Theory]
    [MemberData(nameof(Rejects))]
    public void Every_bad_update_is_rejected_with_its_reason_and_leaves_everything_as_it_was(string why, ClientUpdate update, RejectReason reason)
    {
        var engine = EngineAtVersion3();
        var before = (float[])engine.Current.Parameters.Clone();
        var outcome = engine.Submit(update, T0);
        Assert.False(outcome.Accepted, why);
        Assert.Equal(reason, outcome.Verdict.Reason);
        Assert.False(string.IsNullOrWhiteSpace(outcome.Verdict.Detail));
        Assert.True(engine.Buffer.IsEmpty);
        Assert.Equal(new ModelVersion(3), engine.Current.Version);
        Assert.Equal(before, engine.Current.Parameters);       // bit for bit
        Assert.Empty(outcome.Aggregations);
    }

    [Fact]
    public void Staleness_above_the_maximum_is_rejected()
    {
        var engine = EngineAtVersion3(maxStaleness: 2);
        Assert.True(engine.Submit(Delta("ok", 0, 1, [0, 0, 0]), T0).Accepted);
        var late = engine.Submit(Delta("late", 0, 0, [0, 0, 0]), T0);
        Assert.Equal(RejectReason.StalenessAboveMaximum, late.Verdict.Reason);
        Assert.Equal(3, late.Verdict.Staleness);
    }

    [Fact]
    public void The_norm_bound_applies_to_the_delta_of_a_full_model()
    {
        var engine = EngineAtVersion3(maxNorm: 1.0);
        // Version 2's model is (2, 2, 3): these full weights are 0.6 away from it, though their own norm is ~4.6.
        Assert.True(engine.Submit(Weights("near", 0, 2, [2.6f, 2, 3]), T0).Accepted);
        var far = engine.Submit(Delta("far", 0, 3, [0.8f, 0.8f, 0]), T0);
        Assert.Equal(RejectReason.NormAboveLimit, far.Verdict.Reason);
        Assert.Contains("1.13137", far.Verdict.Detail);
    }

    [Fact]
    public void A_full_model_whose_base_is_no_longer_kept_is_rejected()
    {
        var engine = EngineAtVersion3(history: 2);
        Assert.True(engine.Submit(Weights("recent", 0, 2, [1, 2, 3]), T0).Accepted);
        Assert.Equal(RejectReason.BaseModelUnavailable, engine.Submit(Weights("old", 0, 1, [1, 2, 3]), T0).Verdict.Reason);
        Assert.True(engine.Submit(Delta("old-delta", 0, 1, [0, 0, 0]), T0).Accepted);   // FedBuff needs no base for deltas
    }

    [Fact]
    public void A_strategy_that_reads_base_models_rejects_any_update_whose_base_is_gone()
    {
        var settings = AggregationSettings.FromNames("fedavg", "inverse_linear", "sgd", buffer: new BufferPolicy(1000))
            with { ModelHistoryCapacity = 1 };
        var engine = new AggregationEngine(settings, GlobalModel.Zeros(2), T0);
        engine.Submit(Delta("a", 0, 0, [1, 1]), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);
        Assert.Equal(RejectReason.BaseModelUnavailable, engine.Submit(Delta("b", 0, 0, [1, 1]), T0).Verdict.Reason);
    }

    [Fact]
    public void A_redelivered_update_still_in_the_buffer_is_a_duplicate()
    {
        var engine = EngineAtVersion3();
        var update = Delta("c", 7, 3, [1, 0, 0]);
        Assert.True(engine.Submit(update, T0).Accepted);
        Assert.Equal(RejectReason.DuplicateUpdate, engine.Submit(update, T0).Verdict.Reason);
        Assert.Equal(1, engine.Buffer.Count);
    }

    [Fact]
    public void Reason_wire_names_are_snake_case_and_distinct()
    {
        var names = Enum.GetValues<RejectReason>().Select(r => r.WireName()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z_]+$", n));
    }
}
