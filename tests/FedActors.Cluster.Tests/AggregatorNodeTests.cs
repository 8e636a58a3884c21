using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Tests;

/// <summary>The whole update path on one real node: client region, ClientActor, aggregator singleton, SQLite journal.</summary>
public sealed class AggregatorNodeTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-node-").FullName;
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir));

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<AggregatorProtocol.Status> Status() => _node.StatusAsync();

    private Task<AggregatorProtocol.Triggered> Trigger() =>
        _node.Aggregator.Ask<AggregatorProtocol.Triggered>(new AggregatorProtocol.TriggerAggregation(), TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Updates_are_acknowledged_only_once_their_aggregation_is_journaled()
    {
        var probe = Updates.Probe(_node.System);
        for (int i = 0; i < 4; i++) _node.Clients.Tell(Updates.Submit(Updates.Delta($"c{i}", 1, 0, 8), probe.Ref));
        await probe.AwaitAssertAsync(async () => Assert.Equal(4, (await Status()).BufferFill), TimeSpan.FromSeconds(10));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));              // buffer size 5: nothing durable yet

        _node.Clients.Tell(Updates.Submit(Updates.Delta("c4", 1, 0, 8), probe.Ref));
        var acks = Enumerable.Range(0, 5).Select(_ => probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10))).ToList();
        Assert.All(acks, a => Assert.Equal(new ModelVersion(1), a.FoldedInto));
        Assert.Equal(5, acks.Select(a => a.Key).Distinct().Count());

        var status = await Status();
        Assert.Equal(new ModelVersion(1), status.Version);
        Assert.Equal(0, status.BufferFill);
        Assert.Equal(5, status.UpdatesAccepted);
        Assert.Equal(1, status.Aggregations);
        Assert.Equal(8, status.Dimension);
        Assert.Equal("fedbuff", status.Strategy);
        Assert.True(status.JournalSequenceNr >= 2);                     // ModelInitialized + ModelAggregated
    }

    [Fact]
    public async Task Bad_updates_get_their_reason_and_change_nothing()
    {
        var probe = Updates.Probe(_node.System);
        _node.Clients.Tell(Updates.Submit(Updates.Delta("short", 1, 0, 3), probe.Ref));
        Assert.Equal(RejectReason.WrongDimension, probe.ExpectMsg<UpdateRejected>(TimeSpan.FromSeconds(10)).Reason);
        var nan = Updates.Delta("nan", 1, 0, 8) with { Parameters = new[] { 0f, 0, 0, float.NaN, 0, 0, 0, 0 } };
        _node.Clients.Tell(Updates.Submit(nan, probe.Ref));
        Assert.Equal(RejectReason.NonFiniteValue, probe.ExpectMsg<UpdateRejected>(TimeSpan.FromSeconds(10)).Reason);
        _node.Clients.Tell(Updates.Submit(Updates.Delta("future", 1, 7, 8), probe.Ref));
        Assert.Equal(RejectReason.BaseVersionFromFuture, probe.ExpectMsg<UpdateRejected>(TimeSpan.FromSeconds(10)).Reason);

        var status = await Status();
        Assert.Equal(0, status.BufferFill);
        Assert.Equal(3, status.UpdatesRejected);
        Assert.Equal(1, status.RejectedByReason[RejectReason.NonFiniteValue]);
        Assert.Equal(new ModelVersion(0), status.Version);
    }

    [Fact]
    public async Task A_redelivered_update_is_folded_once_and_acknowledged_every_time()
    {
        var probe = Updates.Probe(_node.System);
        var update = Updates.Delta("again", 1, 0, 8);
        _node.Clients.Tell(Updates.Submit(update, probe.Ref));
        _node.Clients.Tell(Updates.Submit(update, probe.Ref));           // while the first is still buffered
        await probe.AwaitAssertAsync(async () =>
        {
            var s = await Status();
            Assert.Equal(1, s.BufferFill);
            Assert.Equal(1, s.DuplicatesWaiting);                       // parked behind the first copy, not folded
        }, TimeSpan.FromSeconds(10));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var triggered = await Trigger();
        Assert.True(triggered.Aggregated);
        var first = probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10));
        var second = probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10));
        Assert.False(first.Redelivered);
        Assert.True(second.Redelivered);

        _node.Clients.Tell(Updates.Submit(update, probe.Ref));           // after it is durable
        Assert.True(probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10)).Redelivered);
        var status = await Status();
        Assert.Equal(1, status.UpdatesAccepted);
        Assert.Equal(1, status.DuplicatesAcknowledged);
    }

    [Fact]
    public async Task A_manual_trigger_with_nothing_buffered_changes_nothing()
    {
        var triggered = await Trigger();
        Assert.False(triggered.Aggregated);
        Assert.Equal(new ModelVersion(0), triggered.Version);
    }

    [Fact]
    public void The_version_view_follows_the_aggregator()
    {
        var probe = Updates.Probe(_node.System);
        for (int i = 0; i < 5; i++) _node.Clients.Tell(Updates.Submit(Updates.Delta($"v{i}", 1, 0, 8), probe.Ref));
        for (int i = 0; i < 5; i++) probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10));
        probe.AwaitAssert(() => Assert.Equal(new ModelVersion(1), Versions.ModelVersionView.Get(_node.System).Current), TimeSpan.FromSeconds(10));
    }
}
