using FedActors.Core.Model;

namespace FedActors.Core.Validation;

/// <summary>
/// Which updates were folded, by idempotency key (client id + per-client sequence), so a redelivered update is folded
/// at most once. Per client it keeps the highest sequence folded and a 64-wide window below it: 16 bytes a client.
/// A sequence older than the window counts as seen: it is either a duplicate or far staler than any accepted update.
/// </summary>
public sealed class IdempotencyLedger
{
    public const int Window = 64;

    private readonly Dictionary<string, SequenceWindow> _clients = new(StringComparer.Ordinal);

    public int ClientCount => _clients.Count;

    /// <summary>Folded, or older than the window (so treated as folded): what validation refuses as a duplicate.</summary>
    public bool HasSeen(IdempotencyKey key) =>
        _clients.TryGetValue(key.ClientId, out var w) && w.Contains(key.Sequence);

    /// <summary>Known to have been folded: within the window and recorded. A redelivery of such an update can be acknowledged.</summary>
    public bool WasFolded(IdempotencyKey key) =>
        _clients.TryGetValue(key.ClientId, out var w) && w.Recorded(key.Sequence);

    public void Record(IdempotencyKey key)
    {
        _clients.TryGetValue(key.ClientId, out var w);
        _clients[key.ClientId] = w.With(key.Sequence);
    }

    /// <summary>For snapshots: (client, highest sequence, bitmap of the 64 sequences ending at it).</summary>
    public IEnumerable<(string ClientId, long Highest, ulong Seen)> Export() =>
        _clients.Select(kv => (kv.Key, kv.Value.Highest, kv.Value.Seen));

    public static IdempotencyLedger Import(IEnumerable<(string ClientId, long Highest, ulong Seen)> entries)
    {
        var ledger = new IdempotencyLedger();
        foreach (var (client, highest, seen) in entries) ledger._clients[client] = new SequenceWindow(highest, seen);
        return ledger;
    }

    /// <summary>Bit k of <see cref="Seen"/> is set when sequence Highest - k was folded; Seen == 0 means none yet.</summary>
    private readonly record struct SequenceWindow(long Highest, ulong Seen)
    {
        public bool Contains(long sequence)
        {
            if (Seen == 0) return false;
            if (sequence > Highest) return false;
            long back = Highest - sequence;
            return back >= Window || (Seen & (1UL << (int)back)) != 0;
        }

        public bool Recorded(long sequence)
        {
            if (Seen == 0 || sequence > Highest) return false;
            long back = Highest - sequence;
            return back < Window && (Seen & (1UL << (int)back)) != 0;
        }

        public SequenceWindow With(long sequence)
        {
            if (Seen == 0) return new SequenceWindow(sequence, 1UL);
            if (sequence > Highest)
            {
                long shift = sequence - Highest;
                ulong moved = shift >= Window ? 0UL : Seen << (int)shift;
                return new SequenceWindow(sequence, moved | 1UL);
            }
            long back = Highest - sequence;
            return back >= Window ? this : this with { Seen = Seen | (1UL << (int)back) };
        }
    }
}
