using System.Numerics.Tensors;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Selection;
using FedActors.Core.Validation;
using FedActors.Simulation.Learning;

namespace FedActors.Simulation.Federation;

/// <summary>
/// A discrete-event simulation of a federation in virtual time: the clients of <see cref="ClientPopulation"/> train
/// real models on their shards of an <see cref="ILearningTask"/>, and the server folds their updates with
/// FedActors.Core's <see cref="AggregationEngine"/>. Hours of training finish in seconds, and a run is a pure function
/// of its inputs and the population's seed.
/// </summary>
/// <remarks>
/// A client downloads the global model current when it is invited and trains on it; its update is the delta against
/// that version, submitted when it arrives. Selection is uniform among the clients that are online and idle, or, in
/// async runs with <see cref="AsyncSettings.Selection"/>, FedActors.Core's <see cref="TrainingPacer"/> and selector.
/// </remarks>
public sealed class SimulatedFederation
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public SimulatedFederation(ILearningTask task, ClientPopulation population, SimulationSettings settings)
    {
        settings.Validate();
        if (population.Count != task.Clients.Count) throw new ArgumentException($"{population.Count} client profiles for {task.Clients.Count} shards");
        Task = task;
        Population = population;
        Settings = settings;
        ClientIds = Enumerable.Range(0, population.Count).Select(k => $"client-{k}").ToArray();
    }

    public ILearningTask Task { get; }
    public ClientPopulation Population { get; }
    public SimulationSettings Settings { get; }
    private string[] ClientIds { get; }

    /// <summary>
    /// Synchronous FedAvg: each round selects <see cref="SyncSettings.ClientsPerRound"/> clients, waits for the slowest
    /// of them (or the deadline, when one does not report), then averages the updates by samples.
    /// </summary>
    public SimulationResult RunSync(SyncSettings sync)
    {
        if (sync.ClientsPerRound < 1) throw new ArgumentOutOfRangeException(nameof(sync), "at least one client per round");
        var run = new Run(this, sync.ToAggregationSettings(), sync.Label);
        double now = 0;
        var selected = new List<int>();
        while (now < Settings.Horizon)
        {
            selected.Clear();
            while (selected.Count < sync.ClientsPerRound && run.Idle.Count > 0) selected.Add(run.Idle.TakeRandom(run.SelectionRng));
            if (selected.Count == 0)
            {
                // Nobody online: wait for the next client to come back or finish.
                if (!run.ProcessNext(Settings.Horizon)) break;
                now = run.Now;
                continue;
            }

            double roundStart = now, lastReport = now;
            bool everyoneReports = true;
            long roundVersion = run.Engine.Current.Version.Value;
            foreach (int client in selected)
            {
                var plan = run.Start(client, roundStart, train: p => Settings.ReportDeadline is not { } d || p.ReportAfter <= d);
                if (plan.Dropped || (Settings.ReportDeadline is { } deadline && plan.ReportAfter > deadline)) everyoneReports = false;
                else lastReport = Math.Max(lastReport, roundStart + plan.ReportAfter);
            }
            double roundEnd = everyoneReports || Settings.ReportDeadline is null ? lastReport : roundStart + Settings.ReportDeadline.Value;

            run.AcceptOnlyVersion = roundVersion;
            run.ProcessUntil(Math.Min(roundEnd, Settings.Horizon));
            if (roundEnd > Settings.Horizon) break;
            run.AcceptOnlyVersion = null;
            run.AggregateNow(roundEnd);
            run.RoundDurations.Add(roundEnd - roundStart);
            now = roundEnd;
        }
        return run.Finish();
    }

    /// <summary>
    /// Asynchronous aggregation: <see cref="AsyncSettings.Concurrency"/> clients train at once; each arriving update is
    /// submitted to the engine (which aggregates as its strategy and buffer say) and a new client is invited on the
    /// then-current model.
    /// </summary>
    public SimulationResult RunAsync(AsyncSettings settings)
    {
        if (settings.Concurrency < 1) throw new ArgumentOutOfRangeException(nameof(settings), "concurrency is at least 1");
        if (settings.Selection is { } selection) return RunAsyncPaced(settings, selection);
        var run = new Run(this, settings.ToAggregationSettings(), settings.Label);
        Fill(run, settings.Concurrency);
        while (run.ProcessNext(Settings.Horizon))
        {
            run.Engine.Tick(Epoch + TimeSpan.FromSeconds(run.Now));
            Fill(run, settings.Concurrency);
        }
        return run.Finish();
    }

    /// <summary>
    /// <see cref="RunAsync"/> with Core's selection: the pacer keeps <see cref="AsyncSettings.Concurrency"/> clients
    /// training and invites the next as each reports, exactly as the cluster's ClientSelectorActor drives it (without
    /// its fill interval: a fill follows every event). Clients are seen when online and idle (at the start and when
    /// they rejoin), report with their sample count and the mean staleness of their last 8 updates, and an invitation
    /// past the report deadline expires (the client is out of the pool until it is seen again).
    /// </summary>
    private SimulationResult RunAsyncPaced(AsyncSettings settings, SimulatedSelection selection)
    {
        var run = new Run(this, settings.ToAggregationSettings(), settings.Label);
        // No deadline: an invitation holds (practically) forever, as the slot of a dropped client does without one.
        var timeout = Settings.ReportDeadline is { } d ? TimeSpan.FromSeconds(d) : TimeSpan.FromDays(36500);
        var paced = new PacedSelection(this, new TrainingPacer(selection.CreateSelector(),
            new PacingSettings(settings.Concurrency, timeout, selection.EffectiveCriteria), Randomness.Derive(Population.Seed, 0x5E2)));
        run.Paced = paced;
        for (int client = 0; client < Population.Count; client++) paced.Seen(client);
        paced.Fill(run);
        while (run.ProcessNext(Settings.Horizon))
        {
            run.Engine.Tick(Clock(run.Now));
            paced.Fill(run);
        }
        return run.Finish();
    }

    private static DateTimeOffset Clock(double virtualSeconds) => Epoch + TimeSpan.FromSeconds(virtualSeconds);

    /// <summary>
    /// What the cluster's ClientActors tell its ClientSelectorActor, kept per simulated client: the samples it said it
    /// holds (after its first update), its recent staleness, its declared compute; and the pacer itself.
    /// </summary>
    private sealed class PacedSelection
    {
        private readonly SimulatedFederation _sim;
        private readonly TrainingPacer _pacer;
        private readonly double[] _compute;
        private readonly long[] _samples;
        private readonly long[][] _recent;
        private readonly int[] _recentCount, _recentNext;
        private readonly Invitation?[] _invitation;
        private readonly long[] _invitedAttempt;

        public PacedSelection(SimulatedFederation sim, TrainingPacer pacer)
        {
            _sim = sim;
            _pacer = pacer;
            int n = sim.Population.Count;
            _compute = Enumerable.Range(0, n).Select(k => ComputeScore.From(Capabilities(sim.Population, k))).ToArray();
            _samples = new long[n];
            _recent = Enumerable.Range(0, n).Select(_ => new long[ClientRecord.RecentStalenessCount]).ToArray();
            _recentCount = new int[n];
            _recentNext = new int[n];
            _invitation = new Invitation?[n];
            _invitedAttempt = Enumerable.Repeat(-1L, n).ToArray();
        }

        public TrainingPacer Pacer => _pacer;

        /// <summary>
        /// What a client declares, from its drawn speed, as the load test's simulated clients do: cores
        /// <c>clamp(round(4 x median / speed), 1, 32)</c>, a GPU when it is more than 4 times faster than the median.
        /// </summary>
        public static ClientCapabilities Capabilities(ClientPopulation population, int client)
        {
            double median = population.Heterogeneity.MedianSecondsPerSampleEpoch, speed = population.SecondsPerSampleEpoch(client);
            return new ClientCapabilities(Math.Clamp((int)Math.Round(4 * median / speed), 1, 32), 4, GpuAvailable: speed < median / 4);
        }

        public void Seen(int client) => _pacer.Seen(Candidate(client));

        /// <summary>An update arrived (submitted with <paramref name="staleness"/>, or null if it was not).</summary>
        public void Reported(int client, long? staleness)
        {
            _samples[client] = _sim.Task.Clients[client].Count;
            if (staleness is { } s)
            {
                _recent[client][_recentNext[client]] = s;
                _recentNext[client] = (_recentNext[client] + 1) % ClientRecord.RecentStalenessCount;
                _recentCount[client] = Math.Min(_recentCount[client] + 1, ClientRecord.RecentStalenessCount);
            }
            _pacer.Reported(Candidate(client));
        }

        /// <summary>The server gave up on an attempt at its deadline: if it is the client's current invitation, it expires.</summary>
        public void TimedOut(int client, long attempt, double now)
        {
            if (_invitedAttempt[client] != attempt || _invitation[client] is not { } invitation) return;
            var at = Clock(now);
            _pacer.Expire(invitation.Deadline > at ? invitation.Deadline : at);
        }

        public void Fill(Run run)
        {
            foreach (var invitation in _pacer.Fill(run.Engine.Current.Version, Clock(run.Now)))
            {
                int client = int.Parse(invitation.ClientId.AsSpan("client-".Length), System.Globalization.CultureInfo.InvariantCulture);
                _invitation[client] = invitation;
                _invitedAttempt[client] = run.NextAttempt(client);
                run.Start(client, run.Now, train: _ => true);
            }
        }

        private SelectionCandidate Candidate(int client)
        {
            int count = _recentCount[client];
            double staleness = 0;
            for (int k = 0; k < count; k++) staleness += _recent[client][k];
            return new SelectionCandidate(_sim.ClientIds[client], _samples[client], count == 0 ? 0 : staleness / count, _compute[client]);
        }
    }

    private static void Fill(Run run, int concurrency)
    {
        while (run.InFlight < concurrency && run.Idle.Count > 0)
            run.Start(run.Idle.TakeRandom(run.SelectionRng), run.Now, train: _ => true);
    }

    private enum EventKind { Arrival, Timeout, Rejoin }

    private sealed record Event(EventKind Kind, int Client, long Attempt, ModelVersion Base = default, float[]? Delta = null, LocalResult? Result = null);

    /// <summary>The state of one run: the engine, the clients' states, the event queue, the records.</summary>
    private sealed class Run
    {
        private readonly SimulatedFederation _sim;
        private readonly PriorityQueue<Event, (double Time, long Order)> _events = new();
        private readonly long[] _attempts;
        private readonly long[] _outstanding; // attempt a client's concurrency slot is held for, or -1
        private readonly List<EvaluationPoint> _series = [];
        private readonly List<long> _staleness = [];
        private readonly Dictionary<string, int> _rejects = new(StringComparer.Ordinal);
        private long _order;
        private double _nextEvaluation;
        private (long Version, Evaluation Value)? _lastEvaluation;
        private readonly string _method;
        private int _started, _dropped, _accepted, _rejected, _discarded;

        public Run(SimulatedFederation sim, AggregationSettings settings, string method)
        {
            _sim = sim;
            _method = method;
            Engine = new AggregationEngine(settings, new GlobalModel(ModelVersion.Initial, sim.Task.InitialParameters()), Epoch);
            SelectionRng = new Random(Randomness.Derive(sim.Population.Seed, 0x5E1));
            Idle = new IdleClients(sim.Population.Count);
            _attempts = new long[sim.Population.Count];
            _outstanding = Enumerable.Repeat(-1L, sim.Population.Count).ToArray();
        }

        public AggregationEngine Engine { get; }

        /// <summary>Core's selection, told what happens (async runs with a selection only).</summary>
        public PacedSelection? Paced { get; set; }

        /// <summary>The attempt number the client's next <see cref="Start"/> will have.</summary>
        public long NextAttempt(int client) => _attempts[client];
        public Random SelectionRng { get; }
        public IdleClients Idle { get; }
        public double Now { get; private set; }
        public int InFlight { get; private set; }
        public List<double> RoundDurations { get; } = [];

        /// <summary>Sync: only updates trained from this version count; later ones are discarded (their round has closed).</summary>
        public long? AcceptOnlyVersion { get; set; }

        /// <summary>Invites a client at <paramref name="at"/>; it trains (on the current model) only where <paramref name="train"/> says its result can matter.</summary>
        public AttemptPlan Start(int client, double at, Func<AttemptPlan, bool> train)
        {
            var settings = _sim.Settings;
            long attempt = _attempts[client]++;
            var plan = _sim.Population.Plan(client, attempt, settings.Local.Epochs);
            _started++;
            InFlight++;
            _outstanding[client] = attempt;
            if (settings.ReportDeadline is { } deadline && (plan.Dropped || plan.ReportAfter > deadline))
                Schedule(at + deadline, new Event(EventKind.Timeout, client, attempt));
            if (plan.Dropped)
            {
                _dropped++;
                // Back once it has been away long enough and the server has given up on the attempt.
                double back = at + plan.DropAfter + plan.RejoinDelay;
                if (settings.ReportDeadline is { } d) back = Math.Max(back, at + d);
                Schedule(back, new Event(EventKind.Rejoin, client, attempt));
                return plan;
            }
            var current = Engine.Current;
            LocalResult? result = null;
            float[]? delta = null;
            if (train(plan))
            {
                var rng = new Random(Randomness.Derive(_sim.Population.Seed, 0x7A1, client, attempt));
                result = _sim.Task.Train(current.Parameters, _sim.Task.Clients[client], settings.Local, rng);
                delta = new float[current.Dimension];
                TensorPrimitives.Subtract(result.Parameters, current.Parameters, delta);
            }
            Schedule(at + plan.ReportAfter, new Event(EventKind.Arrival, client, attempt, current.Version, delta, result));
            return plan;
        }

        public void AggregateNow(double at)
        {
            EvaluateUpTo(at);
            Engine.Aggregate(AggregationTrigger.Manual, Epoch + TimeSpan.FromSeconds(at));
        }

        /// <summary>Processes every event up to and including <paramref name="until"/>, then moves the clock there.</summary>
        public void ProcessUntil(double until)
        {
            while (_events.TryPeek(out _, out var key) && key.Time <= until) ProcessNext(until);
            EvaluateUpTo(until);
            Now = Math.Max(Now, until);
        }

        /// <summary>Processes the next event if it comes no later than <paramref name="horizon"/>.</summary>
        public bool ProcessNext(double horizon)
        {
            if (!_events.TryPeek(out _, out var key) || key.Time > horizon) return false;
            var e = _events.Dequeue();
            EvaluateUpTo(key.Time);
            Now = key.Time;
            switch (e.Kind)
            {
                case EventKind.Timeout:
                    FreeSlot(e.Client, e.Attempt);
                    Paced?.TimedOut(e.Client, e.Attempt, Now);
                    break;
                case EventKind.Rejoin:
                    Idle.Add(e.Client);
                    Paced?.Seen(e.Client);
                    break;
                case EventKind.Arrival:
                    FreeSlot(e.Client, e.Attempt);
                    Idle.Add(e.Client);
                    var staleness = Submit(e);
                    Paced?.Reported(e.Client, staleness);
                    break;
            }
            return true;
        }

        /// <summary>The update's staleness where it counts towards the client's recent staleness (accepted, or rejected as too stale), else null.</summary>
        private long? Submit(Event e)
        {
            if (e.Delta is null || (AcceptOnlyVersion is { } only && e.Base.Value != only))
            {
                _discarded++;
                return null;
            }
            var r = e.Result!;
            var update = new ClientUpdate(_sim.ClientIds[e.Client], e.Attempt, e.Base, UpdateKind.Delta, e.Delta,
                _sim.Task.Clients[e.Client].Count, r.TrainingLoss, r.TrainingAccuracy);
            long staleness = e.Base.StalenessAt(Engine.Current.Version);
            _staleness.Add(staleness);
            var outcome = Engine.Submit(update, Epoch + TimeSpan.FromSeconds(Now));
            if (outcome.Accepted)
            {
                _accepted++;
                return staleness;
            }
            _rejected++;
            var reason = outcome.Verdict.Reason!.Value.WireName();
            _rejects[reason] = _rejects.GetValueOrDefault(reason) + 1;
            // As the cluster's ClientRecord: a rejection for staleness still says how stale the client is.
            return outcome.Verdict.Reason == RejectReason.StalenessAboveMaximum ? staleness : null;
        }

        private void FreeSlot(int client, long attempt)
        {
            if (_outstanding[client] != attempt) return; // already freed by its timeout
            _outstanding[client] = -1;
            InFlight--;
        }

        private void Schedule(double at, Event e) => _events.Enqueue(e, (at, _order++));

        private void EvaluateUpTo(double time)
        {
            var s = _sim.Settings;
            while (_nextEvaluation <= time && _nextEvaluation <= s.Horizon + 1e-9)
            {
                var current = Engine.Current;
                if (_lastEvaluation is not { } last || last.Version != current.Version.Value)
                    _lastEvaluation = (current.Version.Value, _sim.Task.Evaluate(current.Parameters));
                var eval = _lastEvaluation.Value.Value;
                _series.Add(new EvaluationPoint(_nextEvaluation, current.Version.Value, eval.Accuracy, eval.Loss));
                _nextEvaluation = Math.Max(_nextEvaluation + s.EvaluationInterval, _nextEvaluation * (1 + s.EvaluationGrowth));
            }
        }

        public SimulationResult Finish()
        {
            EvaluateUpTo(_sim.Settings.Horizon);
            return new SimulationResult
            {
                Method = _method,
                Series = _series,
                Staleness = _staleness,
                RoundDurations = RoundDurations,
                AttemptsStarted = _started,
                Dropped = _dropped,
                Accepted = _accepted,
                Rejected = _rejected,
                RejectReasons = _rejects,
                Discarded = _discarded,
                FinalVersion = Engine.Current.Version.Value,
                AttemptsPerClient = _attempts.ToArray(),
            };
        }
    }

    /// <summary>The clients online and not training, with O(1) add and uniform random take.</summary>
    private sealed class IdleClients
    {
        private readonly List<int> _items;
        private readonly int[] _position;

        public IdleClients(int count)
        {
            _items = Enumerable.Range(0, count).ToList();
            _position = Enumerable.Range(0, count).ToArray();
        }

        public int Count => _items.Count;

        public void Add(int client)
        {
            if (_position[client] >= 0) return;
            _position[client] = _items.Count;
            _items.Add(client);
        }

        public int TakeRandom(Random rng)
        {
            int i = rng.Next(_items.Count);
            int client = _items[i], last = _items[^1];
            _items[i] = last;
            _position[last] = i;
            _items.RemoveAt(_items.Count - 1);
            _position[client] = -1;
            return client;
        }
    }
}
