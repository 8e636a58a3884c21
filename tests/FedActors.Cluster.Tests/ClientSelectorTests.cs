using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Selection;
using FedActors.Core.Clients;
using FedActors.Testing;

namespace FedActors.Cluster.Tests;

/// <summary>The selector singleton on a real node: ClientActors tell it who is there, it keeps the concurrency and invites.</summary>
public sealed class ClientSelectorTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-selector-").FullName;
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir), """
        fedactors.aggregation.buffer.size = 1
        fedactors.clients.selection {
          strategy = random
          concurrency = 3
          fill-interval = 20ms
          criteria { min-samples = 100, max-staleness = 5 }
        }
        """);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<SelectionProtocol.SelectionStatus> Status() =>
        _node.Selector.Ask<SelectionProtocol.SelectionStatus>(new SelectionProtocol.GetSelection(), TimeSpan.FromSeconds(10));

    private static List<string> Invited(Akka.TestKit.TestProbe probe, int count)
    {
        var ids = new List<string>();
        while (ids.Count < count)
            ids.AddRange(probe.ExpectMsg<SelectionProtocol.InvitationsIssued>(TimeSpan.FromSeconds(10)).Invitations.Select(i => i.ClientId));
        Assert.Equal(count, ids.Count);
        return ids;
    }

    [Fact]
    public async Task Keeps_the_concurrency_invites_as_updates_come_in_and_honours_the_criteria()
    {
        var invitations = Updates.Probe(_node.System);
        DistributedPubSub.Get(_node.System).Mediator.Tell(new Subscribe(SelectionProtocol.InvitationsTopic, invitations.Ref), invitations.Ref);
        invitations.ExpectMsg<SubscribeAck>(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 10; i++) _node.Clients.Tell(new ClientProtocol.Register($"c{i}", new ClientCapabilities(4, 8, false)));

        var first = Invited(invitations, 3);
        Assert.Equal(3, first.Distinct().Count());
        invitations.ExpectNoMsg(TimeSpan.FromMilliseconds(300));    // all three slots are taken
        var status = await Status();
        Assert.Equal((3, 10, 7), (status.Training, status.Known, status.Idle));

        // An invited client reports: its slot goes to someone not already training.
        var acks = Updates.Probe(_node.System);
        _node.Clients.Tell(Updates.Submit(Updates.Delta(first[0], 1, 0, 8, samples: 500), acks.Ref));
        acks.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10));
        var next = Invited(invitations, 1).Single();
        Assert.DoesNotContain(next, first.Skip(1));

        // An idle client says it holds 50 samples (under min-samples 100): it is no longer invited.
        string small = Enumerable.Range(0, 10).Select(i => $"c{i}").First(id => !first.Contains(id) && id != next);
        _node.Clients.Tell(Updates.Submit(Updates.Delta(small, 1, 0, 8, samples: 50), acks.Ref));
        acks.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10));
        await Eventually.UntilAsync(async () => (await Status()).Idle == 6, "the small client leaves the pool", TimeSpan.FromSeconds(10));   // 10 - 3 training - the small one

        // A training client leaves: its slot is filled.
        _node.Clients.Tell(new ClientProtocol.Leave(first[1]));
        var afterLeave = Invited(invitations, 1).Single();
        Assert.NotEqual(small, afterLeave);
        status = await Status();
        Assert.Equal(3, status.Training);
        Assert.Equal(9, status.Known);
        Assert.Equal(5, status.Invitations);
        Assert.Equal("random", status.Strategy);
    }
}
