using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Core.Tests;

public class IdempotencyLedgerTests
{
    [Fact]
    public void Remembers_folded_sequences_in_any_order_within_the_window()
    {
        var ledger = new IdempotencyLedger();
        Assert.False(ledger.HasSeen(new("c", 5)));
        ledger.Record(new("c", 5));
        ledger.Record(new("c", 3));
        ledger.Record(new("c", 9));
        Assert.True(ledger.HasSeen(new("c", 5)));
        Assert.True(ledger.HasSeen(new("c", 3)));
        Assert.True(ledger.HasSeen(new("c", 9)));
        Assert.False(ledger.HasSeen(new("c", 4)));
        Assert.False(ledger.HasSeen(new("c", 10)));
        Assert.False(ledger.HasSeen(new("other", 5)));
    }

    [Fact]
    public void A_sequence_older_than_the_window_counts_as_seen()
    {
        var ledger = new IdempotencyLedger();
        ledger.Record(new("c", 0));
        ledger.Record(new("c", 100));
        Assert.True(ledger.HasSeen(new("c", 100 - IdempotencyLedger.Window)));
        Assert.False(ledger.HasSeen(new("c", 100 - IdempotencyLedger.Window + 1)));
    }

    [Fact]
    public void Export_and_import_keep_what_was_seen()
    {
        var ledger = new IdempotencyLedger();
        foreach (var s in new long[] { 1, 2, 40, 41 }) ledger.Record(new("a", s));
        ledger.Record(new("b", 0));
        var copy = IdempotencyLedger.Import(ledger.Export());
        foreach (var s in new long[] { 1, 2, 40, 41 }) Assert.True(copy.HasSeen(new("a", s)));
        Assert.False(copy.HasSeen(new("a", 3)));
        Assert.True(copy.HasSeen(new("b", 0)));
        Assert.Equal(2, copy.ClientCount);
    }
}
