using FedActors.Core.Model;
using FedActors.Core.Policies;
using FedActors.Core.Selection;

namespace FedActors.Core.Tests;

public class ClientSelectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ModelVersion V3 = new(3);

    private static TrainingPacer Pacer(string strategy, int concurrency, SelectionCriteria? criteria = null, double? exploration = null) =>
        new(ClientSelectors.Create(strategy, exploration is { } e ? PolicyParameters.Of(("exploration", e)) : null),
            new PacingSettings(concurrency, TimeSpan.FromMinutes(10), criteria ?? new SelectionCriteria(MinSamples: 0, MaxStaleness: 100)), seed: 1);

    private static SelectionCandidate Client(int i, long samples = 500, double staleness = 0, double compute = 1) => new($"c{i:D3}", samples, staleness, compute);

    [Fact]
    public void Keeps_the_concurrency_and_invites_the_next_as_each_reports()
    {
        var pacer = Pacer("random", 5);
        for (int i = 0; i < 50; i++) pacer.Seen(Client(i));
        var first = pacer.Fill(V3, T0);
        Assert.Equal(5, first.Count);
        Assert.Equal(5, first.Select(x => x.ClientId).Distinct().Count());
        Assert.All(first, x => Assert.Equal(V3, x.Version));
        Assert.Empty(pacer.Fill(V3, T0));   // all slots taken

        var reporter = first[0].ClientId;
        pacer.Reported(new SelectionCandidate(reporter, 500, 1, 1));
        var next = pacer.Fill(new ModelVersion(4), T0.AddSeconds(5));
        Assert.Single(next);
        Assert.DoesNotContain(next[0].ClientId, first.Skip(1).Select(x => x.ClientId));   // never one that is still training
        Assert.Equal(5, pacer.Training);
        Assert.Equal(1, pacer.Reports);
    }

    [Fact]
    public void Random_selection_reaches_every_client()
    {
        var pacer = Pacer("random", 3);
        for (int i = 0; i < 30; i++) pacer.Seen(Client(i));
        var invited = new HashSet<string>();
        for (int round = 0; round < 200; round++)
            foreach (var inv in pacer.Fill(V3, T0))
            {
                invited.Add(inv.ClientId);
                pacer.Reported(Client(int.Parse(inv.ClientId[1..])));
            }
        Assert.Equal(30, invited.Count);
    }

    [Fact]
    public void Criteria_keep_out_clients_with_too_few_samples_or_too_much_staleness()
    {
        var pacer = Pacer("random", 100, new SelectionCriteria(MinSamples: 100, MaxStaleness: 5));
        pacer.Seen(Client(1, samples: 50));
        pacer.Seen(Client(2, samples: 100));
        pacer.Seen(Client(3, samples: 0));                   // not said yet: eligible until it says
        pacer.Seen(Client(4, samples: 1000, staleness: 6));
        pacer.Seen(Client(5, samples: 1000, staleness: 5));
        var invited = pacer.Fill(V3, T0).Select(x => x.ClientId).Order().ToList();
        Assert.Equal(["c002", "c003", "c005"], invited);

        // What is known changes: client 1 now has enough data and is admitted.
        pacer.Seen(Client(1, samples: 200));
        Assert.Equal(["c001"], pacer.Fill(V3, T0).Select(x => x.ClientId));
    }

    [Fact]
    public void Staleness_aware_invites_the_least_stale_first()
    {
        var pacer = Pacer("staleness_aware", 3, exploration: 0);
        double[] staleness = [4, 0.5, 3, 0, 2, 1];
        for (int i = 0; i < staleness.Length; i++) pacer.Seen(Client(i, staleness: staleness[i]));
        Assert.Equal(["c003", "c001", "c005"], pacer.Fill(V3, T0).Select(x => x.ClientId));
    }

    [Fact]
    public void Resource_aware_invites_the_most_compute_first_and_explores_the_rest()
    {
        var pacer = Pacer("resource_aware", 4, exploration: 0.5);
        for (int i = 0; i < 20; i++) pacer.Seen(Client(i, compute: i));
        var invited = pacer.Fill(V3, T0).Select(x => x.ClientId).ToList();
        Assert.Equal(["c019", "c018"], invited.Take(2));   // the ranked half
        Assert.Equal(4, invited.Distinct().Count());
        Assert.Equal(0.5, ((ResourceAwareSelector)ClientSelectors.Create("resource_aware", PolicyParameters.Of(("exploration", 0.5)))).Exploration);
    }

    [Fact]
    public void Exploration_is_kept_when_invitations_go_out_one_at_a_time()
    {
        // One slot per fill (a report frees one slot): 10% of the invitations still go at random, not none.
        var pacer = Pacer("resource_aware", 1, exploration: 0.1);
        for (int i = 0; i < 20; i++) pacer.Seen(Client(i, compute: i));
        int best = 0;
        for (int round = 0; round < 100; round++)
        {
            var inv = pacer.Fill(V3, T0).Single();
            if (inv.ClientId == "c019") best++;
            pacer.Reported(Client(int.Parse(inv.ClientId[1..]), compute: int.Parse(inv.ClientId[1..])));
        }
        Assert.InRange(best, 90, 99);   // 90 ranked picks, plus whatever the 10 random ones hit

        var greedy = Pacer("resource_aware", 1, exploration: 0);
        for (int i = 0; i < 20; i++) greedy.Seen(Client(i, compute: i));
        for (int round = 0; round < 50; round++)
        {
            var inv = greedy.Fill(V3, T0).Single();
            Assert.Equal("c019", inv.ClientId);
            greedy.Reported(Client(19, compute: 19));
        }
    }

    [Fact]
    public void An_invitation_past_its_deadline_frees_the_slot_and_the_client_waits_to_be_seen_again()
    {
        var pacer = Pacer("random", 1);
        pacer.Seen(Client(1));
        pacer.Seen(Client(2));
        var first = pacer.Fill(V3, T0).Single();
        Assert.Empty(pacer.Expire(T0.AddMinutes(9)));
        var expired = pacer.Expire(T0.AddMinutes(10));
        Assert.Equal(first, Assert.Single(expired));
        Assert.Equal(0, pacer.Training);
        Assert.Equal(1, pacer.TimedOut);
        var other = pacer.Fill(V3, T0.AddMinutes(10)).Single();
        Assert.NotEqual(first.ClientId, other.ClientId);   // the one that dropped out is not in the pool
        pacer.Reported(Client(int.Parse(other.ClientId[1..])));
        pacer.Seen(Client(int.Parse(first.ClientId[1..])));   // back: a heartbeat
        Assert.Equal(2, pacer.Idle);
    }

    [Fact]
    public void A_client_that_leaves_gives_up_its_slot()
    {
        var pacer = Pacer("random", 2);
        for (int i = 0; i < 3; i++) pacer.Seen(Client(i));
        var invited = pacer.Fill(V3, T0);
        pacer.Gone(invited[0].ClientId);
        Assert.Equal(1, pacer.Training);
        var next = pacer.Fill(V3, T0).Single();
        Assert.DoesNotContain(next.ClientId, invited.Select(x => x.ClientId));
        Assert.Equal(2, pacer.Known);
    }

    [Fact]
    public void A_heartbeat_while_training_does_not_make_the_client_idle()
    {
        var pacer = Pacer("random", 1);
        pacer.Seen(Client(1));
        var invitation = pacer.Fill(V3, T0).Single();
        pacer.Seen(Client(1));
        Assert.True(pacer.IsInvited(invitation.ClientId));
        Assert.Equal(0, pacer.Idle);
    }

    [Fact]
    public void A_client_that_registers_again_gives_up_its_invitation()
    {
        var pacer = Pacer("random", 1);
        pacer.Seen(Client(1));
        var invitation = pacer.Fill(V3, T0).Single();
        pacer.Registered(Client(1));                          // the device restarted: what it was doing is gone
        Assert.False(pacer.IsInvited(invitation.ClientId));
        Assert.Equal((0, 1), (pacer.Training, pacer.Idle));
        Assert.Single(pacer.Fill(V3, T0));                    // and it can be invited again
    }

    [Fact]
    public void Concurrency_zero_invites_nobody()
    {
        var pacer = Pacer("random", 0);
        pacer.Seen(Client(1));
        Assert.Empty(pacer.Fill(V3, T0));
    }

    [Fact]
    public void The_recent_mean_staleness_a_candidate_carries_is_the_mean_of_the_recent_window()
    {
        var record = new Clients.ClientRecord("c", T0);
        Assert.Equal(0, record.RecentMeanStaleness);
        for (int i = 1; i <= 13; i++)   // past the window of 8: the ring wraps
        {
            foreach (var e in record.OnUpdate(new ClientUpdate("c", i, new ModelVersion(0), UpdateKind.Delta, new float[1], 1), new ModelVersion(i * 3 % 7), 100, null, T0).Events)
                record.Apply(e);
            Assert.Equal(record.RecentStaleness.Average(), record.RecentMeanStaleness, 12);
        }
    }

    [Fact]
    public void Names_and_parameters_are_checked()
    {
        Assert.Equal(["random", "resource_aware", "staleness_aware"], ClientSelectors.Names);
        var e = Assert.Throws<PolicyConfigurationException>(() => ClientSelectors.Create("oort"));
        Assert.Contains("unknown client selection strategy 'oort'", e.Message);
        Assert.Throws<PolicyConfigurationException>(() => ClientSelectors.Create("staleness_aware", PolicyParameters.Of(("exploration", 1.5))));
        Assert.Throws<PolicyConfigurationException>(() => new PacingSettings(-1, TimeSpan.FromSeconds(1), new SelectionCriteria()).Validate());
        Assert.Equal(8, ComputeScore.From(new Clients.ClientCapabilities(2, 4, GpuAvailable: true)));
        Assert.Equal(1, ComputeScore.From(null));
    }
}
