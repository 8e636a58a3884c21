using System.Diagnostics;
using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Selection;
using FedActors.Core.Validation;
using FedActors.Simulation.Federation;

namespace FedActors.LoadTest;

/// <summary>Spaces sends to at most <see cref="Rate"/> per second over all clients (0: no limit). Thread-safe.</summary>
public sealed class RateGate(double rate)
{
    private long _next = Stopwatch.GetTimestamp();
    public double Rate { get; } = rate;

    /// <summary>How long to wait before the next send may go.</summary>
    public TimeSpan Reserve()
    {
        if (Rate <= 0) return TimeSpan.Zero;
        long step = (long)(Stopwatch.Frequency / Rate);
        long now = Stopwatch.GetTimestamp(), slot;
        while (true)
        {
            long next = Volatile.Read(ref _next);
            slot = Math.Max(now, next);
            if (Interlocked.CompareExchange(ref _next, slot + step, next) == next) break;
        }
        return slot <= now ? TimeSpan.Zero : Stopwatch.GetElapsedTime(now, slot);
    }
}

/// <summary>What every simulated client shares: who they are, how they behave, where they send.</summary>
public sealed record SimulationContext(
    ClientPopulation Population,
    ILocalWork Work,
    IClientTransport Transport,
    LoadTracker Tracker,
    IActorRef Aggregator,
    RateGate Gate)
{
    /// <summary>Virtual seconds per real second: 10 makes a 20 s training attempt take 2 s.</summary>
    public double TimeScale { get; init; } = 1;
    /// <summary>True: clients train only when invited; false: each trains again as soon as its last update is out.</summary>
    public bool WaitForInvitations { get; init; } = true;
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan RedeliverAfter { get; init; } = TimeSpan.FromSeconds(60);
    public int Epochs { get; init; } = 1;
    /// <summary>
    /// Each client's first sequence number. A device keeps counting across restarts; a run that reused a cluster's
    /// client ids from 0 would send what its idempotency ledger has already folded (acknowledged, not folded again).
    /// </summary>
    public long SequenceBase { get; init; }
    public static string ClientId(int index) => $"sim-{index:D7}";
    public static int IndexOf(string clientId) => clientId.StartsWith("sim-", StringComparison.Ordinal) && int.TryParse(clientId.AsSpan(4), out int i) ? i : -1;
}

/// <summary>The simulated client's messages.</summary>
public static class SimulatedClientProtocol
{
    /// <summary>Join: register, then heartbeat; without invitations, start training.</summary>
    public sealed record Start;

    public sealed record Invite(Invitation Invitation);
}

/// <summary>
/// One simulated device. Its speed, data size and fate on each attempt come from the <see cref="ClientPopulation"/>
/// (heavy-tailed compute speed, network delay, dropouts that rejoin later, offline spells that make the next update
/// stale). Invited (or, without invitations, on its own), it downloads the model if its work needs it, trains, waits
/// out the attempt's simulated time, and sends a real update; over a transport that acknowledges, it redelivers an
/// update that got no answer, with the same sequence number.
/// </summary>
public sealed class SimulatedClientActor : ReceiveActor, IWithTimers
{
    private sealed record ModelArrived(ModelVersion Version, float[]? Parameters, AttemptPlan Plan);
    private sealed record Trained(ModelVersion Version, LocalResult Result, TimeSpan Remaining);
    private sealed record SendNow(ClientUpdate Update);
    private sealed record Redeliver(IdempotencyKey Key);
    private sealed record Rejoin;
    private sealed record HeartbeatTick;
    private sealed record TrainAgain;
    private sealed record Failed(string Why);

    private readonly int _index;
    private readonly string _id;
    private readonly SimulationContext _context;
    private readonly ClientCapabilities _resources;
    private long _attempt, _sequence;
    private bool _busy, _away;
    private ModelVersion? _trainedOn;
    /// <summary>Sent and not yet answered (acknowledging transport): redelivered until answered; the client trains on meanwhile.</summary>
    private readonly Dictionary<IdempotencyKey, (ClientUpdate Update, long SentAt)> _unanswered = new();

    public SimulatedClientActor(int index, SimulationContext context)
    {
        _index = index;
        _id = SimulationContext.ClientId(index);
        _context = context;
        _sequence = context.SequenceBase;
        // Declared resources follow the drawn speed: a fast device says it has more cores (resource_aware reads this).
        double speed = context.Population.SecondsPerSampleEpoch(index);
        double median = context.Population.Heterogeneity.MedianSecondsPerSampleEpoch;
        _resources = new ClientCapabilities(Math.Clamp((int)Math.Round(4 * median / speed), 1, 32), 4, GpuAvailable: speed < median / 4);

        Receive<SimulatedClientProtocol.Start>(_ =>
        {
            _context.Transport.Register(_id, _resources);
            _context.Tracker.OnRegistration();
            // Heartbeats spread over the interval, so a million clients do not beat at once.
            var first = TimeSpan.FromTicks((long)(context.HeartbeatInterval.Ticks * ((index * 0.618034) % 1.0)));
            Timers.StartPeriodicTimer("heartbeat", new HeartbeatTick(), first + context.HeartbeatInterval, context.HeartbeatInterval);
            if (!_context.WaitForInvitations) Begin(null);
        });
        Receive<SimulatedClientProtocol.Invite>(i =>
        {
            _context.Tracker.OnInvitation();
            if (!_busy && !_away) Begin(i.Invitation.Version);
        });
        Receive<ModelArrived>(m =>
        {
            var plan = m.Plan;
            var elapsed = Stopwatch.GetTimestamp();
            var parameters = m.Parameters;
            var work = _context.Work;
            var self = Self;
            long attempt = _attempt;
            Task.Run(() => work.Produce(index, attempt, parameters))
                .ContinueWith(t => t.IsCompletedSuccessfully
                    ? new Trained(m.Version, t.Result, Scaled(plan.Compute + plan.Offline + plan.Upload) - Stopwatch.GetElapsedTime(elapsed))
                    : (object)new Failed(t.Exception!.GetBaseException().Message), TaskScheduler.Default)
                .PipeTo(self);
        });
        Receive<Trained>(t =>
        {
            var update = new ClientUpdate(_id, _sequence++, t.Version, UpdateKind.Delta, t.Result.Delta, t.Result.NumSamples,
                t.Result.TrainingLoss, t.Result.TrainingAccuracy, TimeSpan.FromSeconds(_context.Population.ComputeTime(index, _context.Epochs)));
            _trainedOn = t.Version;
            var wait = t.Remaining + _context.Gate.Reserve();
            if (wait > TimeSpan.Zero) Timers.StartSingleTimer("send", new SendNow(update), wait);
            else Send(update);
        });
        Receive<SendNow>(s => Send(s.Update));
        Receive<UpdateDurable>(d =>
        {
            if (!_unanswered.Remove(d.Key, out var sent)) return;   // an answer to a redelivery already answered
            Timers.Cancel($"redeliver-{d.Key.Sequence}");
            _context.Tracker.OnDurable(sent.SentAt);
            if (!_context.WaitForInvitations) Self.Tell(new TrainAgain());
        });
        Receive<UpdateRejected>(r =>
        {
            if (!_unanswered.Remove(r.Key)) return;
            Timers.Cancel($"redeliver-{r.Key.Sequence}");
            _context.Tracker.OnRejected(r.Reason.WireName());
            if (!_context.WaitForInvitations) Self.Tell(new TrainAgain());
        });
        Receive<Redeliver>(r =>
        {
            if (_unanswered.TryGetValue(r.Key, out var sent)) Transmit(sent.Update);
        });
        Receive<Failed>(f =>
        {
            _context.Tracker.OnTransportFailure();
            // A failed download ends the attempt; a failed fire-and-forget send came after it ended.
            if (_busy) Done();
        });
        Receive<Rejoin>(_ =>
        {
            _away = false;
            _context.Transport.Register(_id, _resources);   // back after dropping out: a fresh registration
            if (!_context.WaitForInvitations) Begin(null);
        });
        Receive<HeartbeatTick>(_ =>
        {
            if (_away) return;   // a dropped-out device is silent
            _context.Transport.Heartbeat(_id, _trainedOn);
            _context.Tracker.OnHeartbeat();
        });
        Receive<TrainAgain>(_ => Begin(null));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(int index, SimulationContext context) => Akka.Actor.Props.Create(() => new SimulatedClientActor(index, context));

    private TimeSpan Scaled(double virtualSeconds) => TimeSpan.FromSeconds(Math.Max(0, virtualSeconds) / _context.TimeScale);

    /// <summary>An attempt: its plan is drawn, then the model is fetched after the download time (or at once when the work needs none).</summary>
    private void Begin(ModelVersion? invitedOn)
    {
        _busy = true;
        var plan = _context.Population.Plan(_index, _attempt++, _context.Epochs);
        if (plan.Dropped)
        {
            // Gone part-way: no update; the selector's deadline frees the slot. Back after the rejoin delay.
            _context.Tracker.OnDropout();
            _busy = false;
            _away = true;
            Timers.StartSingleTimer("rejoin", new Rejoin(), Scaled(plan.DropAfter + plan.RejoinDelay));
            return;
        }
        if (plan.Offline > 0) _context.Tracker.OnOffline();
        var self = Self;
        if (!_context.Work.NeedsModel)
        {
            var version = invitedOn ?? Cluster.Versions.ModelVersionView.Get(Context.System).Current;
            self.Tell(new ModelArrived(version, null, plan with { Compute = plan.Compute + plan.Download }));
            return;
        }
        // Download: ask for the durable model (what the invitation names or newer), after the simulated download time.
        var download = Scaled(plan.Download);
        var aggregator = _context.Aggregator;
        Task.Delay(download).ContinueWith(_ => aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(30))).Unwrap()
            .ContinueWith(t => t.IsCompletedSuccessfully ? new ModelArrived(t.Result.Version, t.Result.Parameters, plan) : (object)new Failed("model download failed"),
                TaskScheduler.Default)
            .PipeTo(self);
    }

    /// <summary>
    /// The update goes, and the attempt is over: the client can be invited again at once, as a device that has sent its
    /// update can. Over an acknowledging transport, without invitations, it trains again once the answer came.
    /// </summary>
    private void Send(ClientUpdate update)
    {
        _context.Tracker.OnSent(update.Key);
        _busy = false;
        if (_context.Transport.Acknowledges) _unanswered[update.Key] = (update, Stopwatch.GetTimestamp());
        Transmit(update);
        if (!_context.Transport.Acknowledges && !_context.WaitForInvitations) Self.Tell(new TrainAgain());
    }

    private void Transmit(ClientUpdate update)
    {
        var self = Self;
        _context.Transport.Send(update, _resources, self, e => self.Tell(new Failed(e.Message)));
        if (_context.Transport.Acknowledges) Timers.StartSingleTimer($"redeliver-{update.Key.Sequence}", new Redeliver(update.Key), _context.RedeliverAfter);
    }

    /// <summary>The attempt ended without an update (a failed download).</summary>
    private void Done()
    {
        _busy = false;
        if (!_context.WaitForInvitations) Self.Tell(new TrainAgain());
    }
}
