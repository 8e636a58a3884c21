using System.Diagnostics;
using FedActors.Core.Model;

namespace FedActors.LoadTest.Tests;

public class LoadTrackerTests
{
    private static IdempotencyKey Key(int c, long s) => new($"sim-{c:D7}", s);

    [Fact]
    public void A_fold_finishes_our_sends_once_and_a_later_broadcast_covers_every_earlier_version()
    {
        var tracker = new LoadTracker();
        tracker.OnSent(Key(1, 0));
        tracker.OnSent(Key(2, 0));
        tracker.OnSent(Key(3, 0));
        tracker.OnFolded(5, [Key(1, 0), new IdempotencyKey("someone-else", 0)]);
        tracker.OnFolded(6, [Key(2, 0), Key(1, 0)]);          // key 1 again (a redelivery acknowledged): counted once
        Assert.Equal(2, tracker.FoldedCount);
        Assert.Equal(2, tracker.Folded.Count);
        Assert.Equal(0, tracker.Broadcast.Count);

        tracker.OnBroadcast(7);                                // compacted topic: version 7 includes 5 and 6
        Assert.Equal(2, tracker.Broadcast.Count);
        tracker.OnFolded(7, [Key(3, 0)]);                      // folded into a version already broadcast
        Assert.Equal(3, tracker.Broadcast.Count);
        Assert.Equal(7, tracker.LastBroadcastVersion);
    }

    [Fact]
    public void Latencies_count_only_updates_sent_in_the_window()
    {
        var tracker = new LoadTracker();
        tracker.OnSent(Key(0, 0));
        tracker.OnFolded(1, [Key(0, 0)]);                      // sent and folded while clients registered
        tracker.OnSent(Key(1, 0));
        SpinPast(Stopwatch.GetTimestamp());                   // the window starts strictly after that send ...
        tracker.StartWindow();
        SpinPast(tracker.WindowStart);                        // ... and strictly before the next
        tracker.OnSent(Key(2, 0));
        tracker.OnFolded(2, [Key(1, 0), Key(2, 0)]);
        Assert.Equal(3, tracker.FoldedCount);                  // all folded ...
        Assert.Equal(1, tracker.Folded.Count);                 // ... one sent in the window, and timed
        var buckets = tracker.Folded.OverTime(tracker.WindowStart, TimeSpan.FromHours(1), 2);
        Assert.Equal((1, 0), (buckets[0].Count, buckets[1].Count));
    }

    private static void SpinPast(long timestamp)
    {
        while (Stopwatch.GetTimestamp() <= timestamp) { }
    }

    [Fact]
    public void Percentiles_are_order_statistics()
    {
        var r = new LatencyRecorder();
        for (int i = 100; i >= 1; i--) r.Add(i);
        var s = r.Summary();
        Assert.Equal((100, 50.0, 90.0, 99.0, 100.0), (s.Count, s.P50, s.P90, s.P99, s.Max));
        Assert.Equal(50.5, s.Mean, 9);
        Assert.Equal(0, new LatencyRecorder().Summary().Count);
    }

    [Fact]
    public void The_rate_gate_spaces_sends()
    {
        var gate = new RateGate(10);
        var clock = Stopwatch.StartNew();
        var waits = Enumerable.Range(0, 11).Select(_ => gate.Reserve()).ToList();
        var elapsed = clock.Elapsed;
        Assert.Equal(TimeSpan.Zero, waits[0]);
        // At 10/s the 11th send goes a second after the first: what is left of that second after the calls took `elapsed`.
        Assert.True(waits[10] + elapsed >= TimeSpan.FromMilliseconds(999), $"the 11th send waits {waits[10]} after {elapsed}");
        Assert.True(waits.Zip(waits.Skip(1)).All(p => p.Item2 >= p.Item1), "waits grow");
        Assert.Equal(TimeSpan.Zero, new RateGate(0).Reserve());
    }

    [Fact]
    public void The_population_is_heterogeneous_and_reproducible()
    {
        var options = new LoadTestOptions { Clients = 2000, MedianTrainingSeconds = 4, MedianSamples = 200, Seed = 3 };
        var a = LoadTestDriver.Population(options);
        var b = LoadTestDriver.Population(options);
        var times = Enumerable.Range(0, 2000).Select(c => a.ComputeTime(c, 1)).Order().ToArray();
        Assert.Equal(times, Enumerable.Range(0, 2000).Select(c => b.ComputeTime(c, 1)).Order());
        double median = times[1000];
        Assert.InRange(median, 1.0, 16.0);                     // sizes and speeds both vary around their medians
        Assert.True(times[^20] > 10 * median, "a heavy tail: the slowest 1% take over ten times the median");
        var sizes = Enumerable.Range(0, 2000).Select(a.Samples).ToArray();
        Assert.True(sizes.Max() > 5 * sizes.Min(), "non-IID data sizes");
        int dropped = Enumerable.Range(0, 2000).Count(c => a.Plan(c, 0, 1).Dropped);
        Assert.InRange(dropped, 10, 100);                      // 2% of 2000
    }
}
