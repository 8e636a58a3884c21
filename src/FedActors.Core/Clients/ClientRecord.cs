using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Core.Clients;

public enum ClientStatus { Active, Inactive, Left }

/// <summary>What a client says it has (the seed's client_resources).</summary>
public sealed record ClientCapabilities(int CpuCores, double MemoryGb, bool GpuAvailable);

/// <summary>Something that happened to a client; <see cref="ClientRecord.Apply"/> folds it into the record.</summary>
public abstract record ClientEvent(DateTimeOffset At);
public sealed record ClientRegistered(DateTimeOffset At, ClientCapabilities Capabilities) : ClientEvent(At);
public sealed record ClientHeartbeat(DateTimeOffset At, ModelVersion? TrainedOn) : ClientEvent(At);
public sealed record ClientUpdateForwarded(DateTimeOffset At, ModelVersion BaseVersion, long Staleness, ClientCapabilities? Resources) : ClientEvent(At);
public sealed record ClientUpdateAccepted(DateTimeOffset At, ModelVersion FoldedInto) : ClientEvent(At);
public sealed record ClientUpdateRejected(DateTimeOffset At, RejectReason Reason, long Staleness) : ClientEvent(At);
public sealed record ClientBecameInactive(DateTimeOffset At, DateTimeOffset LastSeen) : ClientEvent(At);
public sealed record ClientLeft(DateTimeOffset At) : ClientEvent(At);

/// <summary>
/// One client's soft state, as its ClientActor keeps it. Decides (<c>On...</c> methods return events) and applies;
/// the actor only moves messages. Nothing here is persisted: a passivated or moved client's record is rebuilt from
/// its next message (counters then count since <see cref="ActiveSince"/>), and the aggregator's idempotency ledger,
/// which is journaled, is what makes updates exactly-once.
/// </summary>
public sealed class ClientRecord(string clientId, DateTimeOffset createdAt)
{
    public const int RecentStalenessCount = 8;

    private readonly long[] _recent = new long[RecentStalenessCount];
    private readonly Dictionary<RejectReason, long> _rejected = new();
    private int _recentCount, _recentNext;
    private long _stalenessSum;

    public string ClientId { get; } = clientId;
    public DateTimeOffset ActiveSince { get; private set; } = createdAt;
    public ClientStatus Status { get; private set; } = ClientStatus.Active;
    public DateTimeOffset LastSeen { get; private set; } = createdAt;
    public ClientCapabilities? Capabilities { get; private set; }
    public ModelVersion? TrainedOn { get; private set; }
    public long UpdatesForwarded { get; private set; }
    public long UpdatesAccepted { get; private set; }
    public long UpdatesRejected { get; private set; }
    public IReadOnlyDictionary<RejectReason, long> RejectedByReason => _rejected;
    public long StalenessCount { get; private set; }
    public double MeanStaleness => StalenessCount == 0 ? 0 : (double)_stalenessSum / StalenessCount;
    public long MaxStaleness { get; private set; }
    public ModelVersion? LastFoldedInto { get; private set; }

    /// <summary>Newest last.</summary>
    /// <summary>The mean of <see cref="RecentStaleness"/> (0 before any), without building the list: read on every update.</summary>
    public double RecentMeanStaleness
    {
        get
        {
            if (_recentCount == 0) return 0;
            long sum = 0;
            for (int k = 0; k < _recentCount; k++) sum += _recent[k];   // until the ring is full its entries are the first slots
            return (double)sum / _recentCount;
        }
    }

    public IReadOnlyList<long> RecentStaleness =>
        Enumerable.Range(0, _recentCount).Select(k => _recent[(_recentNext - _recentCount + k + RecentStalenessCount) % RecentStalenessCount]).ToArray();

    public IReadOnlyList<ClientEvent> OnRegister(ClientCapabilities capabilities, DateTimeOffset now) => [new ClientRegistered(now, capabilities)];

    public IReadOnlyList<ClientEvent> OnHeartbeat(ModelVersion? trainedOn, DateTimeOffset now) => [new ClientHeartbeat(now, trainedOn)];

    /// <summary>
    /// An update arrives. Staleness is measured against the node's view of the current version; an update beyond the
    /// maximum is rejected here, before it costs the aggregator anything. Returns the events and whether to forward.
    /// </summary>
    public (IReadOnlyList<ClientEvent> Events, bool Forward) OnUpdate(ClientUpdate update, ModelVersion current, long maxStaleness,
        ClientCapabilities? resources, DateTimeOffset now)
    {
        long staleness = Math.Max(0, update.BaseVersion.StalenessAt(current));
        if (staleness > maxStaleness)
            return ([new ClientUpdateRejected(now, RejectReason.StalenessAboveMaximum, staleness)], false);
        return ([new ClientUpdateForwarded(now, update.BaseVersion, staleness, resources)], true);
    }

    public IReadOnlyList<ClientEvent> OnAccepted(ModelVersion foldedInto, DateTimeOffset now) => [new ClientUpdateAccepted(now, foldedInto)];

    public IReadOnlyList<ClientEvent> OnRejected(RejectReason reason, long staleness, DateTimeOffset now) => [new ClientUpdateRejected(now, reason, staleness)];

    /// <summary>Checked on a timer: inactive once nothing was heard for <paramref name="maxInactive"/>.</summary>
    public IReadOnlyList<ClientEvent> OnInactivityCheck(TimeSpan maxInactive, DateTimeOffset now) =>
        Status == ClientStatus.Active && now - LastSeen >= maxInactive ? [new ClientBecameInactive(now, LastSeen)] : [];

    public IReadOnlyList<ClientEvent> OnLeave(DateTimeOffset now) => Status == ClientStatus.Left ? [] : [new ClientLeft(now)];

    public void Apply(ClientEvent e)
    {
        switch (e)
        {
            case ClientRegistered r:
                Capabilities = r.Capabilities;
                Seen(r.At);
                break;
            case ClientHeartbeat h:
                TrainedOn = h.TrainedOn ?? TrainedOn;
                Seen(h.At);
                break;
            case ClientUpdateForwarded f:
                TrainedOn = f.BaseVersion;
                Capabilities = f.Resources ?? Capabilities;
                UpdatesForwarded++;
                RecordStaleness(f.Staleness);
                Seen(f.At);
                break;
            case ClientUpdateAccepted a:
                UpdatesAccepted++;
                LastFoldedInto = a.FoldedInto;
                break;
            case ClientUpdateRejected r:
                UpdatesRejected++;
                _rejected[r.Reason] = _rejected.GetValueOrDefault(r.Reason) + 1;
                if (r.Reason == RejectReason.StalenessAboveMaximum) RecordStaleness(r.Staleness);
                Seen(r.At);
                break;
            case ClientBecameInactive:
                Status = ClientStatus.Inactive;
                break;
            case ClientLeft:
                Status = ClientStatus.Left;
                break;
        }
    }

    private void Seen(DateTimeOffset at)
    {
        if (at > LastSeen) LastSeen = at;
        Status = ClientStatus.Active;   // any message means the client is (back) in
    }

    private void RecordStaleness(long staleness)
    {
        StalenessCount++;
        _stalenessSum += staleness;
        MaxStaleness = Math.Max(MaxStaleness, staleness);
        _recent[_recentNext] = staleness;
        _recentNext = (_recentNext + 1) % RecentStalenessCount;
        _recentCount = Math.Min(_recentCount + 1, RecentStalenessCount);
    }
}
