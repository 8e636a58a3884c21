using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Versions;
using FedActors.Core.Selection;

namespace FedActors.Cluster.Selection;

/// <summary>
/// A cluster singleton beside the aggregator: it keeps the configured number of clients training and invites the next
/// ones as updates come in (<see cref="TrainingPacer"/> decides). ClientActors tell it who is there, who reported and
/// who is gone; invitations go out in batches on the cluster (<see cref="SelectionProtocol.InvitationsTopic"/>) and to
/// the sink (the Kafka topic clients read). Its state is soft: after a fail-over the pool refills from heartbeats and
/// updates, and clients still training from old invitations report as usual.
/// </summary>
public sealed class ClientSelectorActor : ReceiveActor, IWithTimers
{
    private sealed record Fill;
    private sealed record Expire;

    private readonly SelectionSettings _settings;
    private readonly TrainingPacer _pacer;
    private readonly IInvitationSink? _sink;
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _fillScheduled;

    public ClientSelectorActor(SelectionSettings settings, IInvitationSink? sink)
    {
        _settings = settings;
        _sink = sink;
        _pacer = new TrainingPacer(settings.CreateSelector(), settings.Pacing, settings.Seed);
        var view = ModelVersionView.Get(Context.System);

        Receive<SelectionProtocol.ClientSeen>(s =>
        {
            if (s.Registration) _pacer.Registered(s.Candidate);
            else _pacer.Seen(s.Candidate);
            ScheduleFill();
        });
        Receive<SelectionProtocol.ClientReported>(r =>
        {
            _pacer.Reported(r.Candidate);
            ScheduleFill();
        });
        Receive<SelectionProtocol.ClientGone>(g => _pacer.Gone(g.ClientId));
        Receive<Fill>(_ =>
        {
            _fillScheduled = false;
            var invitations = _pacer.Fill(view.Current, Now);
            if (invitations.Count == 0) return;
            var issued = new SelectionProtocol.InvitationsIssued(invitations, _settings.Pacing.Criteria, _pacer.Strategy);
            _mediator.Tell(new Publish(SelectionProtocol.InvitationsTopic, issued));
            try { _sink?.Send(issued); }
            catch (Exception e) { _log.Warning("sending {0} invitations outside failed: {1}", invitations.Count, e.Message); }
        });
        Receive<Expire>(_ =>
        {
            var expired = _pacer.Expire(Now);
            if (expired.Count > 0)
            {
                _log.Info("{0} invited clients did not report within {1}; their slots go to others", expired.Count, _settings.Pacing.InvitationTimeout);
                ScheduleFill();
            }
        });
        Receive<SelectionProtocol.GetSelection>(_ => Sender.Tell(new SelectionProtocol.SelectionStatus(
            _pacer.Strategy, _settings.Enabled, _settings.Pacing.Concurrency, _pacer.Training, _pacer.Idle, _pacer.Known,
            _pacer.Invitations, _pacer.Reports, _pacer.TimedOut, _settings.Pacing.Criteria, _settings.Pacing.InvitationTimeout)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => _settings.Clock.GetUtcNow();

    protected override void PreStart()
    {
        var every = TimeSpan.FromTicks(Math.Clamp(_settings.Pacing.InvitationTimeout.Ticks / 10, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        Timers.StartPeriodicTimer("expire", new Expire(), every);
    }

    public static Props Props(SelectionSettings settings, IInvitationSink? sink = null) =>
        Akka.Actor.Props.Create(() => new ClientSelectorActor(settings, sink));

    /// <summary>Fills are batched: a burst of reports becomes one selection and one batch of invitations.</summary>
    private void ScheduleFill()
    {
        if (_fillScheduled || !_settings.Enabled) return;
        _fillScheduled = true;
        Timers.StartSingleTimer("fill", new Fill(), _settings.FillInterval);
    }
}
