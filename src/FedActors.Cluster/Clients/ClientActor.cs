using Akka.Actor;
using Akka.Cluster.Sharding;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Selection;
using FedActors.Cluster.Versions;
using FedActors.Core.Clients;
using FedActors.Core.Selection;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Clients;

/// <summary>
/// One client, sharded by client id. It keeps the client's soft state (<see cref="ClientRecord"/> decides), rejects
/// updates beyond the maximum staleness before they reach the aggregator, forwards the rest, and passes each
/// update's one result back to its sender. It tells the client selector when the client is seen, has reported (so it
/// is idle again) or is gone. After <see cref="ClientSettings.MaxInactiveTime"/> without a message it marks itself
/// inactive, says so on the event stream, and passivates: an idle client costs no memory.
/// </summary>
public sealed class ClientActor : ReceiveActor, IWithTimers
{
    private sealed record InactivityCheck;

    private readonly ClientRecord _record;
    private readonly ClientSettings _settings;
    private readonly IActorRef _index;
    private readonly IActorRef _selector;
    private readonly bool _selection;   // with selection off, no candidate is built on the update path
    private readonly Dictionary<Core.Model.IdempotencyKey, long> _started = new();
    private int _inFlight;
    private long _samples;   // what its last update said it holds: the selection criteria read it

    public ClientActor(string clientId, IActorRef aggregator, ClientSettings settings, IActorRef? index = null, IActorRef? selector = null)
    {
        _settings = settings;
        _index = index ?? ActorRefs.Nobody;
        _selector = selector ?? ActorRefs.Nobody;
        _selection = selector is not null;
        _record = new ClientRecord(clientId, Now);
        var view = ModelVersionView.Get(Context.System);

        Receive<ClientProtocol.Register>(r =>
        {
            Apply(_record.OnRegister(r.Capabilities, Now));
            if (_selection) _selector.Tell(new SelectionProtocol.ClientSeen(Candidate(), Registration: true));
        });
        Receive<ClientProtocol.Heartbeat>(h =>
        {
            Apply(_record.OnHeartbeat(h.TrainedOn, Now));
            if (_selection) _selector.Tell(new SelectionProtocol.ClientSeen(Candidate()));
        });
        Receive<ClientProtocol.SubmitUpdate>(submit =>
        {
            using var activity = Telemetry.StartFrom("fl.client.forward", submit.TraceParent);
            activity?.SetTag("fl.client_id", submit.ClientId);
            Metrics.UpdatesReceived.Add(1);
            var (events, forward) = _record.OnUpdate(submit.Update, view.Current, _settings.MaxStaleness, submit.Resources, Now);
            Apply(events);
            _samples = submit.Update.NumSamples;
            if (_selection) _selector.Tell(new SelectionProtocol.ClientReported(Candidate()));   // idle again: it may be invited next
            if (forward)
            {
                _inFlight++;
                _started.TryAdd(submit.Update.Key, System.Diagnostics.Stopwatch.GetTimestamp());
                aggregator.Tell(new AggregatorProtocol.Submit(submit.Update, submit.ReplyTo) { TraceParent = Telemetry.Next(activity, submit.TraceParent) });
                return;
            }
            activity?.SetTag("fl.rejected", "staleness_above_maximum");
            var rejected = (ClientUpdateRejected)events[0];
            Metrics.UpdatesRejected.Add(1, new KeyValuePair<string, object?>("reason", rejected.Reason.WireName()));
            submit.ReplyTo.Tell(new UpdateRejected(submit.Update.Key, rejected.Reason,
                $"staleness {rejected.Staleness} is above the maximum {_settings.MaxStaleness}", rejected.Staleness));
        });
        Receive<AggregatorProtocol.Outcome>(outcome =>
        {
            _inFlight = Math.Max(0, _inFlight - 1);
            if (_started.Remove(outcome.Result.Key, out long started))
                Metrics.UpdateProcessingDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            switch (outcome.Result)
            {
                case UpdateDurable { Redelivered: false } d: Apply(_record.OnAccepted(d.FoldedInto, Now)); break;
                case UpdateRejected r: Apply(_record.OnRejected(r.Reason, r.Staleness, Now)); break;
            }
            outcome.ReplyTo.Tell(outcome.Result);
        });
        Receive<ClientProtocol.GetState>(_ => Sender.Tell(State()));
        Receive<ClientProtocol.Leave>(_ =>
        {
            Apply(_record.OnLeave(Now));
            _selector.Tell(new SelectionProtocol.ClientGone(_record.ClientId));
            Sender.Tell(State());
            if (_inFlight == 0) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<InactivityCheck>(_ =>
        {
            var events = _record.OnInactivityCheck(_settings.MaxInactiveTime, Now);
            Apply(events);
            if (events.Count > 0)
            {
                _selector.Tell(new SelectionProtocol.ClientGone(_record.ClientId));
                Context.System.EventStream.Publish(new ClientProtocol.BecameInactive(_record.ClientId, _record.LastSeen, Now));
            }
            if (_record.Status != ClientStatus.Active && _inFlight == 0)
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });

        var check = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, _settings.MaxInactiveTime.Ticks / 4));
        Timers!.StartPeriodicTimer("inactivity", new InactivityCheck(), check);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => _settings.Clock.GetUtcNow();

    public static Props Props(string clientId, IActorRef aggregator, ClientSettings settings, IActorRef? index = null, IActorRef? selector = null) =>
        Akka.Actor.Props.Create(() => new ClientActor(clientId, aggregator, settings, index, selector));

    /// <summary>What the selector knows of this client: its data, how stale its recent updates were, its declared compute.</summary>
    private SelectionCandidate Candidate() =>
        new(_record.ClientId, _samples, _record.RecentMeanStaleness, ComputeScore.From(_record.Capabilities));

    private void Apply(IReadOnlyList<ClientEvent> events)
    {
        foreach (var e in events) _record.Apply(e);
        if (events.Count > 0) _index.Tell(new ClientIndexProtocol.Upsert(Summary(hosted: true)));
    }

    protected override void PostStop() => _index.Tell(new ClientIndexProtocol.Stopped(_record.ClientId));

    private ClientSummary Summary(bool hosted) => new(_record.ClientId, _record.Status, _record.LastSeen, _record.UpdatesAccepted,
        _record.UpdatesRejected, _record.MeanStaleness, _record.TrainedOn?.Value, hosted);

    private ClientProtocol.ClientState State() => new(
        _record.ClientId, _record.Status, _record.ActiveSince, _record.LastSeen, _record.Capabilities, _record.TrainedOn,
        _record.UpdatesForwarded, _record.UpdatesAccepted, _record.UpdatesRejected,
        new Dictionary<RejectReason, long>(_record.RejectedByReason), _record.StalenessCount, _record.MeanStaleness,
        _record.MaxStaleness, _record.RecentStaleness, _record.LastFoldedInto);
}
