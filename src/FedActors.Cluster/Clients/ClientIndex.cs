using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using FedActors.Core.Clients;

namespace FedActors.Cluster.Clients;

/// <summary>A client as the node's index lists it: enough to page through clients and count the active ones.</summary>
public sealed record ClientSummary(
    string ClientId, ClientStatus Status, DateTimeOffset LastSeen, long UpdatesAccepted, long UpdatesRejected,
    double MeanStaleness, long? TrainedOn, bool Hosted);

/// <summary>The per-node client index's protocol.</summary>
public static class ClientIndexProtocol
{
    /// <summary>From a ClientActor on this node, after its state changed.</summary>
    public sealed record Upsert(ClientSummary Client);

    /// <summary>From a ClientActor on this node that stopped (passivated, or moved by a rebalance).</summary>
    public sealed record Stopped(string ClientId);

    /// <summary>Clients in client-id order, after <paramref name="After"/>, at most <paramref name="Limit"/>.</summary>
    public sealed record Query(ClientStatus? Status, string? After, int Limit);

    public sealed record Page(int Matching, IReadOnlyList<ClientSummary> Clients);

    /// <summary>One client's summary, if this node hosted it; answered with <see cref="Found"/>.</summary>
    public sealed record Lookup(string ClientId);

    public sealed record Found(ClientSummary? Client);

    /// <summary>Published by every node on <see cref="CountsTopic"/>: how many clients it hosts now.</summary>
    public sealed record Counts(string Node, int Active, int Known, DateTimeOffset At);

    public const string CountsTopic = "fl-client-counts";
}

/// <summary>
/// Each node's index of the clients its ClientActors have hosted: ClientActors are sharded and passivate, so no one
/// actor could list a million of them. A node keeps a small summary of each client it hosted (about 100 bytes); an
/// HTTP query merges the nodes' pages, keeping the newest summary of a client that moved. Active counts only count
/// clients whose actor is live here, so a moved client is counted once.
/// </summary>
public sealed class ClientIndexActor : ReceiveActor, IWithTimers
{
    private sealed record PublishCounts;

    private readonly SortedDictionary<string, ClientSummary> _clients = new(StringComparer.Ordinal);
    private int _active;

    public ClientIndexActor(TimeSpan countsInterval)
    {
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        string node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<ClientIndexProtocol.Upsert>(u => Put(u.Client));
        Receive<ClientIndexProtocol.Stopped>(s =>
        {
            if (_clients.TryGetValue(s.ClientId, out var c)) Put(c with { Hosted = false });
        });
        Receive<ClientIndexProtocol.Query>(q =>
        {
            var matching = _clients.Values.Where(c => q.Status is null || (c.Status == q.Status && (c.Status != ClientStatus.Active || c.Hosted)));
            int count = q.Status == ClientStatus.Active ? _active : matching.Count();
            var page = (q.After is null ? matching : matching.Where(c => string.CompareOrdinal(c.ClientId, q.After) > 0)).Take(q.Limit).ToList();
            Sender.Tell(new ClientIndexProtocol.Page(count, page));
        });
        Receive<ClientIndexProtocol.Lookup>(l => Sender.Tell(new ClientIndexProtocol.Found(_clients.GetValueOrDefault(l.ClientId))));
        Receive<PublishCounts>(_ =>
        {
            Metrics.ActiveClientsOnNode = _active;
            mediator.Tell(new Publish(ClientIndexProtocol.CountsTopic, new ClientIndexProtocol.Counts(node, _active, _clients.Count, DateTimeOffset.UtcNow)));
        });
        Timers!.StartPeriodicTimer("counts", new PublishCounts(), countsInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void Put(ClientSummary client)
    {
        if (_clients.TryGetValue(client.ClientId, out var old) && IsLiveActive(old)) _active--;
        _clients[client.ClientId] = client;
        if (IsLiveActive(client)) _active++;
    }

    private static bool IsLiveActive(ClientSummary c) => c.Hosted && c.Status == ClientStatus.Active;

    public static Props Props(TimeSpan countsInterval) => Akka.Actor.Props.Create(() => new ClientIndexActor(countsInterval));
}
