using Akka.Actor;
using FedActors.Cluster.Clients;
using FedActors.Core.Model;

namespace FedActors.Cluster.Tests;

/// <summary>
/// Plays the part of the ingest: sends updates with a bounded window and redelivers any that got no answer in time,
/// as a Kafka consumer re-reads uncommitted offsets. Records when each update became durable.
/// </summary>
internal sealed class IngestDriver : ReceiveActor, IWithTimers
{
    public sealed record GetProgress;
    public sealed record Progress(int Sent, int Durable, int Rejected, int Redeliveries, IReadOnlyList<DateTimeOffset> DurableAt,
        IReadOnlyDictionary<IdempotencyKey, ModelVersion> DurableKeys);

    private sealed record Redeliver;
    private sealed record Start;

    private readonly Dictionary<IdempotencyKey, (ClientUpdate Update, DateTimeOffset SentAt)> _inFlight = new();
    private readonly Dictionary<IdempotencyKey, ModelVersion> _durable = new();
    private readonly List<DateTimeOffset> _durableAt = [];
    private int _next, _rejected, _redeliveries;

    public IngestDriver(IActorRef region, IReadOnlyList<ClientUpdate> updates, int window, TimeSpan redeliverAfter)
    {
        void Fill()
        {
            while (_inFlight.Count < window && _next < updates.Count)
            {
                var update = updates[_next++];
                _inFlight[update.Key] = (update, DateTimeOffset.UtcNow);
                region.Tell(Updates.Submit(update, Self));
            }
        }

        Receive<Start>(_ => Fill());
        Receive<UpdateDurable>(d =>
        {
            if (_inFlight.Remove(d.Key))
            {
                _durable[d.Key] = d.FoldedInto;
                _durableAt.Add(DateTimeOffset.UtcNow);
            }
            Fill();
        });
        Receive<UpdateRejected>(r =>
        {
            if (_inFlight.Remove(r.Key)) _rejected++;
            Fill();
        });
        Receive<Redeliver>(_ =>
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var (key, (update, sentAt)) in _inFlight.ToList())
            {
                if (now - sentAt < redeliverAfter) continue;
                _inFlight[key] = (update, now);
                _redeliveries++;
                region.Tell(Updates.Submit(update, Self));
            }
        });
        Receive<GetProgress>(_ => Sender.Tell(new Progress(_next, _durable.Count, _rejected, _redeliveries, _durableAt.ToList(),
            new Dictionary<IdempotencyKey, ModelVersion>(_durable))));
        Timers!.StartPeriodicTimer("redeliver", new Redeliver(), TimeSpan.FromMilliseconds(250));
        Self.Tell(new Start());
    }

    public ITimerScheduler Timers { get; set; } = null!;
}
