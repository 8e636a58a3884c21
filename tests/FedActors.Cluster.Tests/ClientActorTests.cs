using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Versions;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Tests;

public class ClientActorTests() : TestKit("akka.actor.provider = local")
{
    private static readonly ClientSettings Settings = new(10, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(400), MaxStaleness: 3);

    [Fact]
    public void Forwards_an_update_within_the_staleness_bound_and_passes_its_result_back()
    {
        var aggregator = CreateTestProbe();
        var sender = CreateTestProbe();
        ModelVersionView.Get(Sys).Observe(new ModelVersion(5));
        var client = Sys.ActorOf(ClientActor.Props("c1", aggregator.Ref, Settings));

        var update = Updates.Delta("c1", 1, 3, 4);                        // staleness 2
        client.Tell(new ClientProtocol.SubmitUpdate(update, new ClientCapabilities(8, 16, true), sender.Ref));
        var forwarded = aggregator.ExpectMsg<AggregatorProtocol.Submit>();
        Assert.Equal(update, forwarded.Update);
        Assert.Equal(sender.Ref, forwarded.ReplyTo);

        aggregator.Reply(new AggregatorProtocol.Outcome(new UpdateDurable(update.Key, new ModelVersion(6), false), sender.Ref));
        Assert.Equal(new ModelVersion(6), sender.ExpectMsg<UpdateDurable>().FoldedInto);

        client.Tell(new ClientProtocol.GetState("c1"));
        var state = ExpectMsg<ClientProtocol.ClientState>();
        Assert.Equal(1, state.UpdatesForwarded);
        Assert.Equal(1, state.UpdatesAccepted);
        Assert.Equal(new ClientCapabilities(8, 16, true), state.Capabilities);
        Assert.Equal(new ModelVersion(3), state.TrainedOn);
        Assert.Equal(new long[] { 2 }, state.RecentStaleness);
        Assert.Equal(ClientStatus.Active, state.Status);
    }

    [Fact]
    public void Rejects_an_update_beyond_the_maximum_staleness_without_bothering_the_aggregator()
    {
        var aggregator = CreateTestProbe();
        ModelVersionView.Get(Sys).Observe(new ModelVersion(10));
        var client = Sys.ActorOf(ClientActor.Props("c2", aggregator.Ref, Settings));
        client.Tell(Updates.Submit(Updates.Delta("c2", 1, 6, 4), TestActor));     // staleness 4 > 3
        var rejected = ExpectMsg<UpdateRejected>();
        Assert.Equal(RejectReason.StalenessAboveMaximum, rejected.Reason);
        Assert.Equal(4, rejected.Staleness);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        client.Tell(new ClientProtocol.GetState("c2"));
        var state = ExpectMsg<ClientProtocol.ClientState>();
        Assert.Equal(1, state.UpdatesRejected);
        Assert.Equal(1, state.RejectedByReason[RejectReason.StalenessAboveMaximum]);
        Assert.Equal(4, state.MaxStaleness);
    }

    [Fact]
    public void Counts_the_aggregators_rejects_by_reason()
    {
        var aggregator = CreateTestProbe();
        var client = Sys.ActorOf(ClientActor.Props("c3", aggregator.Ref, Settings));
        var update = Updates.Delta("c3", 1, 0, 4);
        client.Tell(Updates.Submit(update, TestActor));
        aggregator.ExpectMsg<AggregatorProtocol.Submit>();
        aggregator.Reply(new AggregatorProtocol.Outcome(new UpdateRejected(update.Key, RejectReason.WrongDimension, "4 parameters, the model has 8", 0), TestActor));
        Assert.Equal(RejectReason.WrongDimension, ExpectMsg<UpdateRejected>().Reason);
        client.Tell(new ClientProtocol.GetState("c3"));
        Assert.Equal(1, ExpectMsg<ClientProtocol.ClientState>().RejectedByReason[RejectReason.WrongDimension]);
    }

    [Fact]
    public void Goes_inactive_after_the_configured_time_says_so_and_passivates()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ClientProtocol.BecameInactive));
        var parent = CreateTestProbe();
        var client = parent.ChildActorOf(ClientActor.Props("c4", CreateTestProbe().Ref, Settings with { Clock = clock }));
        client.Tell(new ClientProtocol.Register("c4", new ClientCapabilities(2, 4, false)));
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));           // the clock has not moved: still active

        clock.Advance(Settings.MaxInactiveTime);
        var inactive = events.ExpectMsg<ClientProtocol.BecameInactive>(TimeSpan.FromSeconds(5));
        Assert.Equal("c4", inactive.ClientId);
        Assert.Equal(DateTimeOffset.UnixEpoch, inactive.LastSeen);
        parent.ExpectMsg<Passivate>();
    }

    [Fact]
    public void A_heartbeat_keeps_a_client_active()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(ClientProtocol.BecameInactive));
        var client = Sys.ActorOf(ClientActor.Props("c5", CreateTestProbe().Ref, Settings with { Clock = clock }));
        for (int k = 0; k < 6; k++)
        {
            client.Tell(new ClientProtocol.Heartbeat("c5", new ModelVersion(k)));
            clock.Advance(Settings.MaxInactiveTime * 0.75);            // each gap is shorter than the limit
            events.ExpectNoMsg(TimeSpan.FromMilliseconds(150));
        }
        client.Tell(new ClientProtocol.GetState("c5"));
        var state = ExpectMsg<ClientProtocol.ClientState>();
        Assert.Equal(ClientStatus.Active, state.Status);
        Assert.Equal(new ModelVersion(5), state.TrainedOn);
    }
}
