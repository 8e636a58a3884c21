using System.Collections.Concurrent;
using System.Diagnostics;
using FedActors.Core.Model;

namespace FedActors.LoadTest;

/// <summary>Latencies in milliseconds, with when each was sent; percentiles at the end. Thread-safe.</summary>
public sealed class LatencyRecorder
{
    private readonly List<float> _values = new();
    private readonly List<long> _sentAt = new();
    private readonly object _gate = new();

    public void Add(double milliseconds, long sentAt = 0)
    {
        lock (_gate)
        {
            _values.Add((float)milliseconds);
            _sentAt.Add(sentAt);
        }
    }

    /// <summary>The summary of the updates sent in each interval of <paramref name="bucket"/> from <paramref name="from"/>: a tail that comes and goes shows here.</summary>
    public IReadOnlyList<LatencySummary> OverTime(long from, TimeSpan bucket, int buckets)
    {
        var parts = Enumerable.Range(0, buckets).Select(_ => new LatencyRecorder()).ToArray();
        lock (_gate)
            for (int i = 0; i < _values.Count; i++)
            {
                int k = (int)(Stopwatch.GetElapsedTime(from, _sentAt[i]) / bucket);
                if (k >= 0 && k < buckets) parts[k].Add(_values[i]);
            }
        return parts.Select(p => p.Summary()).ToArray();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _values.Clear();
            _sentAt.Clear();
        }
    }

    public int Count
    {
        get { lock (_gate) return _values.Count; }
    }

    public LatencySummary Summary()
    {
        float[] sorted;
        lock (_gate) sorted = _values.ToArray();
        Array.Sort(sorted);
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new LatencySummary(sorted.Length, P(0.5), P(0.9), P(0.99), sorted.Length == 0 ? 0 : sorted[^1], sorted.Length == 0 ? 0 : sorted.Average(v => (double)v));
    }
}

public sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max, double Mean);

/// <summary>
/// What the simulated clients did, counted as they do it, and the three latencies of an update: sent to acknowledged
/// durable (at the client, direct transport), sent to folded (the version that folded it is journaled and published on
/// the cluster), and sent to broadcast (that version, or a later one, read back from the Kafka model topic).
/// </summary>
public sealed class LoadTracker
{
    private readonly ConcurrentDictionary<IdempotencyKey, long> _sent = new();
    private readonly SortedDictionary<long, List<long>> _foldedAwaitingBroadcast = new();
    private readonly object _broadcastGate = new();
    private long _sentCount, _folded, _durable, _rejected, _dropouts, _offline, _invitations, _registrations, _heartbeats, _failures;

    public ConcurrentDictionary<string, long> RejectedByReason { get; } = new();
    public LatencyRecorder Acknowledged { get; } = new();
    public LatencyRecorder Folded { get; } = new();
    public LatencyRecorder Broadcast { get; } = new();

    public long Sent => Interlocked.Read(ref _sentCount);
    public long Durable => Interlocked.Read(ref _durable);
    /// <summary>Our updates seen folded into a published version (all of them, in the window or not).</summary>
    public long FoldedCount => Interlocked.Read(ref _folded);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Dropouts => Interlocked.Read(ref _dropouts);
    public long OfflineSpells => Interlocked.Read(ref _offline);
    public long Invitations => Interlocked.Read(ref _invitations);
    public long Registrations => Interlocked.Read(ref _registrations);
    public long Heartbeats => Interlocked.Read(ref _heartbeats);
    /// <summary>Sends that failed at the transport (Kafka refused it); the client tries again on its next invitation.</summary>
    public long TransportFailures => Interlocked.Read(ref _failures);
    public long LastBroadcastVersion { get; private set; } = -1;

    /// <summary>Latencies are recorded for updates sent from here on (the measured window), not for those sent while clients registered.</summary>
    public long WindowStart { get; private set; }

    /// <summary>From now on: what was recorded before (updates sent and folded while clients registered) is dropped.</summary>
    public void StartWindow()
    {
        WindowStart = Stopwatch.GetTimestamp();
        Acknowledged.Clear();
        Folded.Clear();
        Broadcast.Clear();
    }

    public void OnSent(IdempotencyKey key)
    {
        _sent.TryAdd(key, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _sentCount);
    }

    public void OnDurable(long sentAt)
    {
        Interlocked.Increment(ref _durable);
        if (sentAt >= WindowStart) Acknowledged.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds, sentAt);
    }

    public void OnRejected(string reason)
    {
        Interlocked.Increment(ref _rejected);
        RejectedByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
    }

    public void OnDropout() => Interlocked.Increment(ref _dropouts);
    public void OnOffline() => Interlocked.Increment(ref _offline);
    public void OnInvitation() => Interlocked.Increment(ref _invitations);
    public void OnRegistration() => Interlocked.Increment(ref _registrations);
    public void OnHeartbeat() => Interlocked.Increment(ref _heartbeats);
    public void OnTransportFailure() => Interlocked.Increment(ref _failures);

    /// <summary>A version was published on the cluster with these keys folded in.</summary>
    public void OnFolded(long version, IReadOnlyList<IdempotencyKey> keys)
    {
        List<long>? ours = null;
        foreach (var key in keys)
        {
            if (!_sent.TryRemove(key, out long at)) continue;   // not one of ours, or seen already
            Interlocked.Increment(ref _folded);
            if (at < WindowStart) continue;
            Folded.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds, at);
            (ours ??= new()).Add(at);
        }
        if (ours is null) return;
        lock (_broadcastGate)
        {
            if (version <= LastBroadcastVersion) { foreach (var at in ours) Broadcast.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds, at); return; }
            if (!_foldedAwaitingBroadcast.TryGetValue(version, out var list)) _foldedAwaitingBroadcast[version] = list = new();
            list.AddRange(ours);
        }
    }

    /// <summary>A broadcast of <paramref name="version"/> was read from the model topic: it includes every earlier version.</summary>
    public void OnBroadcast(long version)
    {
        lock (_broadcastGate)
        {
            if (version > LastBroadcastVersion) LastBroadcastVersion = version;
            while (_foldedAwaitingBroadcast.Count > 0)
            {
                var first = _foldedAwaitingBroadcast.First();
                if (first.Key > version) break;
                foreach (var at in first.Value) Broadcast.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds, at);
                _foldedAwaitingBroadcast.Remove(first.Key);
            }
        }
    }
}
