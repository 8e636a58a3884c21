using FedActors.Core.Buffering;
using static FedActors.Core.Tests.TestUpdates;

namespace FedActors.Core.Tests;

/// <summary>Aggregation triggers, driven by an explicit clock so that time is deterministic.</summary>
public class BufferPolicyTests
{
    [Fact]
    public void Aggregates_when_K_updates_are_buffered()
    {
        var engine = Engine(bufferSize: 3);
        Assert.Empty(engine.Submit(Delta("a", 0, 0, [1, 1]), T0).Aggregations);
        Assert.Empty(engine.Submit(Delta("b", 0, 0, [1, 1]), T0).Aggregations);
        var third = engine.Submit(Delta("c", 0, 0, [1, 1]), T0);
        var info = Assert.Single(third.Aggregations);
        Assert.Equal(AggregationTrigger.BufferFull, info.Trigger);
        Assert.Equal(3, info.NumUpdates);
        Assert.True(engine.Buffer.IsEmpty);
    }

    [Fact]
    public void Aggregates_when_the_time_window_has_passed_since_the_last_aggregation()
    {
        var engine = Engine(bufferSize: 100, window: TimeSpan.FromSeconds(60));
        engine.Submit(Delta("a", 0, 0, [1, 1]), T0.AddSeconds(10));
        Assert.Null(engine.Tick(T0.AddSeconds(59)));
        var info = engine.Tick(T0.AddSeconds(60));
        Assert.NotNull(info);
        Assert.Equal(AggregationTrigger.TimeWindow, info.Trigger);
        Assert.Equal(T0.AddSeconds(60), engine.LastAggregationAt);
        // The window restarts at the aggregation, and an empty buffer is never aggregated.
        Assert.Null(engine.Tick(T0.AddSeconds(200)));
        Assert.Equal(1, engine.Current.Version.Value);
    }

    [Fact]
    public void An_update_arriving_after_the_window_is_aggregated_at_once()
    {
        var engine = Engine(bufferSize: 100, window: TimeSpan.FromSeconds(30));
        var outcome = engine.Submit(Delta("a", 0, 0, [1, 1]), T0.AddSeconds(31));
        Assert.Equal(AggregationTrigger.TimeWindow, Assert.Single(outcome.Aggregations).Trigger);
    }

    [Fact]
    public void Aggregates_first_when_the_next_update_would_pass_the_memory_limit()
    {
        // Each update is 2 floats = 8 bytes; a 20-byte limit holds two.
        var engine = Engine(bufferSize: 100, memoryLimit: 20);
        Assert.Empty(engine.Submit(Delta("a", 0, 0, [1, 1]), T0).Aggregations);
        Assert.Empty(engine.Submit(Delta("b", 0, 0, [1, 1]), T0).Aggregations);
        var third = engine.Submit(Delta("c", 0, 0, [1, 1]), T0);
        var info = Assert.Single(third.Aggregations);
        Assert.Equal(AggregationTrigger.MemoryLimit, info.Trigger);
        Assert.Equal(2, info.NumUpdates);                       // the third waits in the fresh buffer
        Assert.Equal(1, engine.Buffer.Count);
        Assert.Equal(8, engine.Buffer.PayloadBytes);
        Assert.True(third.Accepted);
        Assert.Equal(1, third.Verdict.Staleness);               // it was trained on version 0, now 1 is current
    }

    [Fact]
    public void A_single_update_larger_than_the_limit_is_aggregated_alone()
    {
        var engine = Engine(bufferSize: 100, memoryLimit: 4);
        var info = Assert.Single(engine.Submit(Delta("a", 0, 0, [1, 1]), T0).Aggregations);
        Assert.Equal(AggregationTrigger.MemoryLimit, info.Trigger);
    }

    [Fact]
    public void Manual_aggregation_of_an_empty_buffer_changes_nothing()
    {
        var engine = Engine();
        Assert.Null(engine.Aggregate(AggregationTrigger.Manual, T0));
        Assert.Equal(0, engine.Current.Version.Value);
    }

    [Fact]
    public void Invalid_policies_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferPolicy(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferPolicy(5, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferPolicy(5, null, 0));
    }
}
