using FedActors.Core.Selection;
using FedActors.Simulation.Federation;
using FedActors.Simulation.Learning;

namespace FedActors.Simulation.Tests;

/// <summary>RunAsync with <see cref="AsyncSettings.Selection"/>: invitations through Core's TrainingPacer and selectors.</summary>
public class SimulatedSelectionTests
{
    private static readonly LocalTrainingSettings Local = new(Epochs: 1, LearningRate: 0.01f, BatchSize: 10);
    private static readonly AsyncSettings Buff = new("fedbuff", "inverse_sqrt", Concurrency: 4, BufferSize: 2);

    private static SimulatedFederation Federation(LearningTask task, ClientHeterogeneity? heterogeneity = null, double horizon = 3000, double? deadline = 2000, int seed = 5) =>
        new(task, ClientPopulation.Draw(task.Clients, heterogeneity ?? new ClientHeterogeneity(MedianSecondsPerSampleEpoch: 0.2), seed),
            new SimulationSettings(Local, horizon, EvaluationInterval: 50, deadline));

    private static AsyncSettings With(string strategy, double? exploration = null, SelectionCriteria? criteria = null) =>
        Buff with { Selection = new SimulatedSelection(strategy, exploration is { } e ? new Dictionary<string, double> { ["exploration"] = e } : null, criteria) };

    [Fact]
    public void Without_a_selection_a_run_is_what_it_was()
    {
        var task = Tasks.SmallSynthetic();
        var sim = Federation(task);
        Assert.Null(Buff.Selection);
        var a = sim.RunAsync(Buff);
        var b = sim.RunAsync(Buff with { Selection = null });
        Assert.Equal(a.Series, b.Series);
        Assert.Equal(a.Staleness, b.Staleness);
        Assert.Equal(a.AttemptsPerClient, b.AttemptsPerClient);

        // The simulator's own uniform draw, as measured before selection could go through Core (values from the
        // code before this option existed): the events, hence who trained when, are the same to the last update.
        Assert.Equal(GoldenAttempts, a.AttemptsStarted);
        Assert.Equal(GoldenAccepted, a.Accepted);
        Assert.Equal(GoldenFinalVersion, a.FinalVersion);
        Assert.Equal(GoldenStalenessSum, a.Staleness.Sum());
    }

    private const int GoldenAttempts = 81, GoldenAccepted = 75;
    private const long GoldenFinalVersion = 37, GoldenStalenessSum = 77;

    [Fact]
    public void Resource_aware_without_exploration_invites_faster_clients_more_often_than_random()
    {
        var task = Tasks.SmallSynthetic();
        var sim = Federation(task);
        var population = sim.Population;
        var fastHalf = Enumerable.Range(0, population.Count).OrderBy(population.SecondsPerSampleEpoch).Take(population.Count / 2).ToHashSet();
        double FastShare(SimulationResult r) => (double)fastHalf.Sum(k => r.AttemptsPerClient[k]) / r.AttemptsPerClient.Sum();

        var random = sim.RunAsync(With("random"));
        var greedy = sim.RunAsync(With("resource_aware", exploration: 0));
        var uniform = sim.RunAsync(Buff);
        Assert.True(FastShare(greedy) > FastShare(random) + 0.2, $"fast half's share of attempts: resource_aware {FastShare(greedy):F3}, random {FastShare(random):F3}");
        Assert.True(FastShare(greedy) > 0.9, $"{FastShare(greedy):F3}");
        // random through the pacer samples as the simulator's own draw does: not biased to the fast (within noise).
        Assert.InRange(FastShare(random) - FastShare(uniform), -0.1, 0.1);
        Assert.True(greedy.ClientsReached < random.ClientsReached, $"reached: resource_aware {greedy.ClientsReached}, random {random.ClientsReached}");
        // With exploration every client is still invited now and then.
        var explore = sim.RunAsync(With("resource_aware", exploration: 0.3));
        Assert.True(explore.ClientsReached > greedy.ClientsReached);
        Assert.InRange(FastShare(explore), FastShare(random), FastShare(greedy));
    }

    [Fact]
    public void Min_samples_keeps_small_clients_out_once_they_have_said_how_much_they_hold()
    {
        var task = Tasks.SmallSynthetic();
        var sizes = task.Clients.Select(c => c.Count).ToArray();
        int min = sizes.Order().ElementAt(sizes.Length / 2);
        // Compute only: no dropouts, so every attempt reports and says the client's count.
        var sim = Federation(task, ClientHeterogeneity.ComputeOnly with { MedianSecondsPerSampleEpoch = 0.2 });
        var result = sim.RunAsync(With("random", criteria: new SelectionCriteria(MinSamples: min, MaxStaleness: long.MaxValue)));
        for (int k = 0; k < sizes.Length; k++)
        {
            if (sizes[k] < min) Assert.True(result.AttemptsPerClient[k] <= 1, $"client {k} ({sizes[k]} samples) trained {result.AttemptsPerClient[k]} times");
            else Assert.True(result.AttemptsPerClient[k] > 1, $"client {k} ({sizes[k]} samples) trained {result.AttemptsPerClient[k]} times");
        }
        Assert.True(result.Accepted > 50);
    }

    [Fact]
    public void A_run_with_selection_is_deterministic_given_the_seed_and_learns()
    {
        var task = Tasks.SmallSynthetic();
        double initial = task.Evaluate(task.InitialParameters()).Accuracy;
        foreach (var s in new[] { With("random"), With("staleness_aware"), With("resource_aware") })
        {
            var a = Federation(task).RunAsync(s);
            var b = Federation(task).RunAsync(s);
            Assert.Equal(a.Series, b.Series);
            Assert.Equal(a.Staleness, b.Staleness);
            Assert.Equal(a.AttemptsPerClient, b.AttemptsPerClient);
            Assert.True(a.FinalAccuracy() > initial + 0.15, $"{s.Selection!.Label}: {initial} -> {a.FinalAccuracy()}");
            var other = Federation(task, seed: 6).RunAsync(s);
            Assert.NotEqual(a.AttemptsPerClient, other.AttemptsPerClient);
        }
    }

    [Fact]
    public void Dropped_clients_time_out_and_are_invited_again_once_back()
    {
        var task = Tasks.SmallSynthetic();
        var heterogeneity = new ClientHeterogeneity(MedianSecondsPerSampleEpoch: 0.2, DropoutProbability: 0.3, MedianRejoinDelay: 100);
        var sim = Federation(task, heterogeneity, horizon: 6000, deadline: 200);
        var paced = sim.RunAsync(With("random"));
        var uniform = sim.RunAsync(Buff);
        Assert.True(paced.Dropped > 10);
        // The slots of dropped clients go to others (a stuck slot would starve the run): about as many updates as
        // the simulator's own selection gets, and still arriving at the end.
        Assert.InRange((double)paced.Accepted / uniform.Accepted, 0.8, 1.25);
        Assert.True(paced.Series[^1].Version > paced.Series[paced.Series.Count * 3 / 4].Version);
        // A client that dropped out was invited again after it came back.
        Assert.True(paced.AttemptsPerClient.All(a => a > 1), string.Join(",", paced.AttemptsPerClient));
    }

    [Fact]
    public void Selection_labels_name_the_strategy_and_its_parameters()
    {
        Assert.Equal("random", new SimulatedSelection("random").Label);
        Assert.Equal("resource_aware(exploration=0)", With("resource_aware", exploration: 0).Selection!.Label);
        Assert.Throws<Core.Policies.PolicyConfigurationException>(() => Federation(Tasks.SmallSynthetic()).RunAsync(With("oort")));
    }
}
