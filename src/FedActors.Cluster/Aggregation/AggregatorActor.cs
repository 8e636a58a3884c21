using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Configuration;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Aggregation;

/// <summary>
/// The cluster singleton that owns the global model. It buffers updates in memory and journals each aggregation (the
/// step and the folded keys) before applying it. An update is acknowledged as durable only once the aggregation that
/// folded it is journaled. Updates buffered but not yet aggregated are lost in a crash, but they were never
/// acknowledged, so their sender redelivers them, and the idempotency ledger (rebuilt from the journal) folds each at
/// most once. docs/actors.md has the reasoning.
/// </summary>
public sealed class AggregatorActor : ReceivePersistentActor, IWithTimers
{
    private sealed record Flush;
    private sealed record Tick;
    private sealed record Published(ModelVersion Version);
    private sealed record RetryPublish;
    private sealed record PublishFailed(ModelVersion Version, Exception Cause);

    private readonly AggregatorSettings _settings;
    private readonly IModelPublisher? _publisher;
    private readonly CircuitBreaker _breaker;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly Dictionary<IdempotencyKey, List<(IActorRef Client, IActorRef ReplyTo)>> _pending = new();
    private readonly Queue<(AggregatorProtocol.Submit Submit, IActorRef Client)> _queue = new();
    private readonly Dictionary<RejectReason, long> _rejected = new();
    private readonly DateTimeOffset _startedAt;
    private AggregationEngine? _engine;
    private bool _flushScheduled, _recoveredFromJournal, _publishBehind;
    private long _accepted, _duplicatesAcknowledged, _aggregations;
    private int _writesInFlight;
    /// <summary>The newest journaled version: what is shown and published outside (a newer one could still vanish in a crash).</summary>
    private GlobalModel? _durableModel;
    private ModelVersion? _snapshotVersion;
    private bool _paused;
    private AggregatorProtocol.RecordEvaluation? _latestEvaluation;   // soft: an evaluator re-evaluates after a fail-over
    private readonly SortedDictionary<long, long> _staleness = new();
    private long _stalenessSum, _stalenessCount;
    private readonly Core.Convergence.ConvergenceAnalyzer _convergence = new();
    private readonly Dictionary<string, ClientIndexProtocol.Counts> _clientCounts = new();
    private readonly Queue<(DateTimeOffset At, IReadOnlyList<IdempotencyKey> Keys)> _recentFolds = new();
    private readonly AggregatorGauges _gauges = new();

    public AggregatorActor(AggregatorSettings settings, IModelPublisher? publisher = null)
    {
        _settings = settings;
        _publisher = publisher;
        _startedAt = Now;
        var (maxFailures, callTimeout, resetTimeout) = settings.PublisherBreaker;
        _breaker = new CircuitBreaker(Context.System.Scheduler, maxFailures, callTimeout, resetTimeout);

        Recover<SnapshotOffer>(offer =>
        {
            var snapshot = (AggregatorSnapshot)offer.Snapshot;
            _engine = AggregationEngine.FromSnapshot(_settings.CreateAggregation(), snapshot.Engine);
            _aggregations = snapshot.Aggregations;
            _recoveredFromJournal = true;
            _snapshotVersion = _engine.Current.Version;
        });
        Recover<ModelInitialized>(e =>
        {
            _engine = new AggregationEngine(_settings.CreateAggregation(), new GlobalModel(ModelVersion.Initial, e.Parameters), e.At);
            _recoveredFromJournal = true;
        });
        Recover<ModelAggregated>(e =>
        {
            if (_engine is null) throw new InvalidOperationException("journal has an aggregation before its initial model");
            _engine.Apply(e.ToPlan());
            _aggregations++;
            RecordConvergence(e.Info);
        });
        Recover<AggregationPauseChanged>(e => _paused = e.Paused);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_engine is not null)
            {
                Started();
                return;
            }
            var initial = _settings.CreateInitialModel();
            Persist(new ModelInitialized(Now, initial.Parameters), e =>
            {
                _engine = new AggregationEngine(_settings.CreateAggregation(), new GlobalModel(ModelVersion.Initial, e.Parameters), e.At);
                Started();
            });
        });

        Command<AggregatorProtocol.Submit>(submit =>
        {
            _queue.Enqueue((submit, Sender));
            ScheduleFlush();
        });
        Command<Flush>(_ =>
        {
            _flushScheduled = false;
            Drain();
        });
        Command<Tick>(_ =>
        {
            if (!_paused && _queue.Count == 0 && Engine.DueTrigger(Now) is { } due) PersistAggregation(due, null);
            UpdateGauges();
        });
        Command<AggregatorProtocol.Pause>(p => ChangePause(true, p.By, Sender));
        Command<AggregatorProtocol.Resume>(r => ChangePause(false, r.By, Sender));
        Command<AggregatorProtocol.GetStaleness>(_ => Sender.Tell(new AggregatorProtocol.StalenessHistogram(
            new Dictionary<long, long>(_staleness), _stalenessCount, _stalenessCount == 0 ? 0 : (double)_stalenessSum / _stalenessCount,
            _staleness.Count == 0 ? 0 : _staleness.Keys.Last())));   // sorted: the last key is the largest
        Command<AggregatorProtocol.GetConvergence>(_ => Sender.Tell(new AggregatorProtocol.Convergence(
            _convergence.History.Select(ToPoint).ToList(), _convergence.Analyze())));
        Command<AggregatorProtocol.RecordEvaluation>(e =>
        {
            _convergence.RecordEvaluation(e.Version, e.Loss, e.Accuracy);
            if (_latestEvaluation is null || e.Version.Value >= _latestEvaluation.Version.Value) _latestEvaluation = e;
        });
        Command<ClientIndexProtocol.Counts>(c => _clientCounts[c.Node] = c);
        Command<SubscribeAck>(_ => { });
        Command<AggregatorProtocol.TriggerAggregation>(_ => PersistAggregation(AggregationTrigger.Manual, Sender));
        Command<AggregatorProtocol.GetStatus>(_ => Sender.Tell(Status()));
        Command<AggregatorProtocol.GetModel>(_ =>
        {
            var model = _durableModel!;
            Sender.Tell(new AggregatorProtocol.Model(model.Version, model.Parameters));
        });
        // Clients train on what is durable: a version not yet journaled could vanish in a crash.
        Command<AggregatorProtocol.GetCurrentVersion>(_ => Sender.Tell(new AggregatorProtocol.CurrentVersion(DurableVersion)));
        Command<Published>(p =>
        {
            if (p.Version == DurableVersion) _publishBehind = false;
        });
        Command<PublishFailed>(f =>
        {
            // Only the newest version matters outside (the model topic is compacted): retry that one later. While the
            // circuit is open the retry fails fast; once it half-opens, the retry is its trial call.
            _publishBehind = true;
            _log.Warning("publishing version {0} failed ({1}); circuit {2}", f.Version, f.Cause.Message, CircuitState);
            Timers.StartSingleTimer("republish", new RetryPublish(), _settings.PublisherBreaker.ResetTimeout);
        });
        Command<RetryPublish>(_ =>
        {
            if (_publishBehind) PublishOutside(_durableModel!, null);   // never a version whose write is still in flight
        });
        Command<SaveSnapshotSuccess>(s =>
        {
            // The snapshot holds everything; older events and snapshots are not needed to recover.
            DeleteMessages(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning("snapshot at {0} failed: {1}", f.Metadata.SequenceNr, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("deleting journal up to {0} failed: {1}", f.ToSequenceNr, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("deleting old snapshots failed: {0}", f.Cause.Message));
    }

    public override string PersistenceId => _settings.PersistenceId;
    public ITimerScheduler Timers { get; set; } = null!;

    private ModelVersion DurableVersion => _durableModel?.Version ?? ModelVersion.Initial;

    private AggregationEngine Engine => _engine ?? throw new InvalidOperationException("the aggregator has not recovered");
    private DateTimeOffset Now => _settings.Clock.GetUtcNow();
    private string CircuitState => _breaker.IsOpen ? "open" : _breaker.IsHalfOpen ? "half-open" : "closed";

    public static Props Props(AggregatorSettings settings, IModelPublisher? publisher = null) =>
        Akka.Actor.Props.Create(() => new AggregatorActor(settings, publisher));

    /// <summary>
    /// What runs as the singleton: a backoff supervisor around the aggregator, because the singleton manager does not
    /// restart a singleton that stopped (the journal failing, say); messages pass through to it.
    /// </summary>
    public static Props Supervised(AggregatorSettings settings, IModelPublisher? publisher = null) =>
        BackoffSupervisor.Props(Backoff.OnStop(Props(settings, publisher), "aggregator",
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), 0.2, maxNrOfRetries: -1));

    private void Started()
    {
        var current = Engine.Current;
        _durableModel = current;
        _log.Info("aggregator ready at version {0} (dimension {1}, {2}, {3})", current.Version, current.Dimension,
            _recoveredFromJournal ? "recovered from the journal" : "new journal", Engine.Settings.Strategy.Name);
        Timers.StartPeriodicTimer("tick", new Tick(), _settings.TickInterval);
        _mediator.Tell(new Subscribe(ClientIndexProtocol.CountsTopic, Self));
        Metrics.Aggregator = _gauges;
        if (_paused) _log.Warning("aggregation is paused (journaled); resume it with POST /fl/aggregation/resume");
        _mediator.Tell(new Publish(AggregatorProtocol.VersionsTopic, new AggregatorProtocol.VersionPublished(current.Version, EmptyInfo(current.Version))));
        PublishOutside(current, null);   // a fresh cluster broadcasts version 0; a recovered one, where it stands
    }

    private void ScheduleFlush()
    {
        if (_flushScheduled) return;
        _flushScheduled = true;
        Self.Tell(new Flush());   // after everything already in the mailbox: those are folded as one batch
    }

    private void Drain()
    {
        var engine = Engine;
        var now = Now;
        while (_queue.Count > 0 && _writesInFlight < MaxWritesInFlight)
        {
            var (submit, client) = _queue.Peek();
            var update = submit.Update;
            if (_pending.TryGetValue(update.Key, out var waiters))
            {
                // Redelivered while the first copy is still buffered: it is answered when that copy is durable.
                waiters.Add((client, submit.ReplyTo));
                _queue.Dequeue();
                continue;
            }
            if (engine.TriggerBefore(update) is { } early)
            {
                if (_paused) break;   // the memory limit is reached while paused: updates wait in the queue until resumed
                PersistAggregation(early, null);   // then the same update goes into the fresh buffer
                continue;
            }
            _queue.Dequeue();
            using var activity = Telemetry.StartFrom("fl.aggregator.fold", submit.TraceParent);
            var (verdict, _) = engine.Accept(update, now);
            if (activity is not null)
            {
                activity.SetTag("fl.client_id", update.ClientId);
                activity.SetTag("fl.staleness", verdict.Staleness);
                activity.SetTag("fl.model_version", engine.Current.Version.Value);
                activity.SetTag("fl.verdict", verdict.IsAccepted ? "accepted" : verdict.Reason!.Value.ToString());
            }
            if (verdict.IsAccepted)
            {
                _accepted++;
                _staleness[verdict.Staleness] = _staleness.GetValueOrDefault(verdict.Staleness) + 1;
                _stalenessSum += verdict.Staleness;
                _stalenessCount++;
                Metrics.UpdatesAccepted.Add(1);
                Metrics.UpdateStaleness.Record(verdict.Staleness);
                _pending[update.Key] = [(client, submit.ReplyTo)];
                if (!_paused && engine.DueTrigger(now) is { } due) PersistAggregation(due, null);
            }
            else if (verdict.Reason == RejectReason.DuplicateUpdate && engine.Ledger.WasFolded(update.Key))
            {
                _duplicatesAcknowledged++;
                client.Tell(new AggregatorProtocol.Outcome(new UpdateDurable(update.Key, engine.Current.Version, Redelivered: true), submit.ReplyTo));
            }
            else
            {
                var reason = verdict.Reason!.Value;
                _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
                Metrics.UpdatesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason.WireName()));
                _log.Debug("rejected {0}: {1}", update.Key, verdict);
                client.Tell(new AggregatorProtocol.Outcome(new UpdateRejected(update.Key, reason, verdict.Detail!, verdict.Staleness), submit.ReplyTo));
            }
        }
        engine.Buffer.FoldPending();
    }

    /// <summary>Aggregations applied but not yet journaled, at most; draining waits beyond this.</summary>
    private const int MaxWritesInFlight = 64;

    /// <summary>
    /// Applies the aggregation in memory at once and journals it with PersistAsync, so folding goes on while the
    /// write is in flight; what depends on durability (acknowledgements, publications, snapshots) waits for the write.
    /// If a write fails the actor stops and recovers from the journal: aggregations not yet written vanish with their
    /// updates, none of which was acknowledged.
    /// </summary>
    private void PersistAggregation(AggregationTrigger trigger, IActorRef? requester)
    {
        var engine = Engine;
        var plan = engine.Plan(trigger, Now);
        if (plan is null)
        {
            requester?.Tell(new AggregatorProtocol.Triggered(engine.Current.Version, false));
            return;
        }
        long decided = System.Diagnostics.Stopwatch.GetTimestamp();
        engine.Apply(plan);
        _aggregations++;
        RecordConvergence(plan.Info);
        // Exported now, with the buffer empty: consistent with exactly this event, whatever is applied after it. Not
        // while paused, so that the pause event is never before a snapshot (older events get deleted).
        var snapshot = !_paused && _aggregations % _settings.SnapshotEvery == 0 ? new AggregatorSnapshot(engine.ExportSnapshot(), _aggregations) : null;
        var model = engine.Current;
        _writesInFlight++;
        PersistAsync(ModelAggregated.From(plan), _ =>
        {
            _writesInFlight--;
            Metrics.Aggregations.Add(1);
            Metrics.AggregationDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(decided).TotalSeconds);
            _recentFolds.Enqueue((plan.Info.At, plan.Info.FoldedKeys));
            var version = plan.Info.Version;
            _durableModel = model;
            foreach (var key in plan.Info.FoldedKeys)
            {
                if (!_pending.Remove(key, out var waiters)) continue;
                for (int k = 0; k < waiters.Count; k++)
                    waiters[k].Client.Tell(new AggregatorProtocol.Outcome(new UpdateDurable(key, version, Redelivered: k > 0), waiters[k].ReplyTo));
            }
            var published = new AggregatorProtocol.VersionPublished(version, plan.Info) { LatestEvaluation = _latestEvaluation };
            _mediator.Tell(new Publish(AggregatorProtocol.VersionsTopic, published));
            PublishOutside(model, published);
            requester?.Tell(new AggregatorProtocol.Triggered(version, true));
            if (snapshot is not null) SaveSnapshot(snapshot);   // in this handler LastSequenceNr is this event's
            if (_queue.Count > 0) ScheduleFlush();
        });
    }

    private void PublishOutside(GlobalModel model, AggregatorProtocol.VersionPublished? published)
    {
        if (_publisher is null) return;
        published ??= new AggregatorProtocol.VersionPublished(model.Version, EmptyInfo(model.Version));
        var version = model.Version;
        _breaker.WithCircuitBreaker(ct => _publisher.PublishAsync(published, model, ct))
            .PipeTo(Self, success: () => new Published(version), failure: e => new PublishFailed(version, e));
    }

    private void ChangePause(bool paused, string by, IActorRef requester)
    {
        if (paused == _paused)
        {
            requester.Tell(new AggregatorProtocol.PauseState(_paused, DurableVersion));
            return;
        }
        Persist(new AggregationPauseChanged(paused, Now, by), e =>
        {
            _paused = e.Paused;
            _log.Info("aggregation {0} by {1}", e.Paused ? "paused" : "resumed", e.By);
            requester.Tell(new AggregatorProtocol.PauseState(_paused, DurableVersion));
            if (!_paused)
            {
                if (_queue.Count > 0) ScheduleFlush();
                else if (Engine.DueTrigger(Now) is { } due) PersistAggregation(due, null);
            }
        });
    }

    private void RecordConvergence(AggregationInfo info) => _convergence.Record(new Core.Convergence.VersionRecord(
        info.Version, info.At, info.NumUpdates, info.MeanStaleness, info.MeanStalenessWeight, Loss: null, Accuracy: null)
    {
        NumClients = info.NumClientsParticipated, MeanTrainingLoss = info.MeanTrainingLoss, MeanTrainingAccuracy = info.MeanTrainingAccuracy, StepNorm = info.StepNorm,
    });

    private static AggregatorProtocol.ConvergencePoint ToPoint(Core.Convergence.VersionRecord r) => new(
        r.Version, r.At, r.NumClients, r.Updates, r.MeanStaleness, r.MeanTrainingLoss, r.MeanTrainingAccuracy, r.Loss, r.Accuracy, r.StepNorm);

    private (int Active, int Known) ClientCounts()
    {
        // A node that stopped reporting (left, crashed) stops counting after a few intervals.
        var cutoff = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(10);
        foreach (var stale in _clientCounts.Where(c => c.Value.At < cutoff).Select(c => c.Key).ToList()) _clientCounts.Remove(stale);
        return (_clientCounts.Values.Sum(c => c.Active), _clientCounts.Values.Sum(c => c.Known));
    }

    private double ParticipationRate(int active)
    {
        var since = Now - TimeSpan.FromMinutes(1);
        while (_recentFolds.Count > 0 && _recentFolds.Peek().At < since) _recentFolds.Dequeue();
        if (active == 0) return 0;
        int participants = _recentFolds.SelectMany(f => f.Keys).Select(k => k.ClientId).Distinct().Count();
        return Math.Min(1.0, (double)participants / active);
    }

    private void UpdateGauges()
    {
        if (_engine is null) return;
        _gauges.BufferFill = _engine.Buffer.Count;
        _gauges.ModelVersion = DurableVersion.Value;
        _gauges.ParticipationRate = ParticipationRate(ClientCounts().Active);
    }

    protected override void PostStop()
    {
        if (ReferenceEquals(Metrics.Aggregator, _gauges)) Metrics.Aggregator = null;
        base.PostStop();
    }

    private AggregationInfo EmptyInfo(ModelVersion version) =>
        new(version, Engine.LastAggregationAt, AggregationTrigger.Manual, Engine.Settings.Strategy.Name, 0, 0, 0, 0, 0, 1, null, null, 0, []);

    private AggregatorProtocol.Status Status()
    {
        var engine = Engine;
        var (active, known) = ClientCounts();
        return new AggregatorProtocol.Status(
            engine.Current.Version, engine.Buffer.Count, engine.Settings.EffectiveBufferSize,
            _accepted, _rejected.Values.Sum(), new Dictionary<RejectReason, long>(_rejected), _duplicatesAcknowledged, _aggregations,
            _aggregations > 0 ? engine.LastAggregationAt : null,
            Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString(),
            engine.Current.Dimension, engine.Settings.Strategy.Name, CircuitState, LastSequenceNr, _startedAt, _recoveredFromJournal, _snapshotVersion,
            DurableVersion, _writesInFlight, _pending.Values.Sum(w => w.Count - 1))
        {
            Paused = _paused,
            ActiveClients = active,
            KnownClients = known,
            ParticipationRate = ParticipationRate(active),
        };
    }
}
