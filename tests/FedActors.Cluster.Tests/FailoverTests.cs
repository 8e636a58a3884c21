using Akka.Actor;
using Akka.Cluster;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Configuration;
using FedActors.Core.Model;
using Xunit.Abstractions;

namespace FedActors.Cluster.Tests;

/// <summary>
/// Three nodes on loopback sharing a PostgreSQL journal. Updates stream in through one node; the singleton's node
/// is then stopped without leaving. The aggregator must come back on another node from the journal, with no
/// acknowledged update lost and none folded twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Hocon = "fedactors.aggregation.buffer { size = 5, time-window = 1s }";

    [Fact]
    public async Task The_aggregator_resumes_elsewhere_with_nothing_acknowledged_lost_or_folded_twice()
    {
        var journal = new JournalSettings("postgres", await postgres.NewDatabaseAsync());
        int portA = TestNode.FreePort();
        string[] seeds = [$"akka.tcp://fedactors@127.0.0.1:{portA}"];
        var a = await TestNode.StartAsync(journal, Hocon, portA, seeds);
        await using var b = await TestNode.StartAsync(journal, Hocon, seeds: seeds);
        await using var c = await TestNode.StartAsync(journal, Hocon, seeds: seeds);
        await Eventually(() => Akka.Cluster.Cluster.Get(c.System).State.Members.Count(m => m.Status == MemberStatus.Up) == 3, "3 members up");

        var before = await c.StatusAsync();
        Assert.Equal(a.Address, before.Node);                           // the oldest node holds the singleton

        var updates = Enumerable.Range(0, 400).Select(i => Updates.Delta($"client-{i % 40}", i / 40, 0, 8)).ToList();
        var driver = c.System.ActorOf(Props.Create(() => new IngestDriver(c.Clients, updates, 20, TimeSpan.FromSeconds(2))));
        await Eventually(async () => (await Progress(driver)).Durable >= 100, "100 durable before the crash");

        var crashedAt = DateTimeOffset.UtcNow;
        await a.CrashAsync();
        await Eventually(async () => (await Progress(driver)).Durable == updates.Count, "every update durable", TimeSpan.FromSeconds(120));
        var progress = await Progress(driver);

        var after = await c.StatusAsync();
        Assert.Contains(after.Node, new[] { b.Address, c.Address });
        Assert.True(after.Recovered);
        Assert.Equal(0, progress.Rejected);

        // Exactly once, from the journal itself: every acknowledged key folded, none twice.
        var events = await JournalReader.AggregationsAsync(journal, c.System);
        var folded = events.SelectMany(e => e.Info.FoldedKeys).ToList();
        Assert.Equal(folded.Count, folded.Distinct().Count());
        Assert.Equal(updates.Select(u => u.Key).ToHashSet(), folded.ToHashSet());
        Assert.Equal(events.Select(e => e.Info.Version.Value), Enumerable.Range(1, events.Count).Select(v => (long)v));
        Assert.Equal(new ModelVersion(events.Count), after.Version);
        // An acknowledgement names a version that reflects the update: the one that folded it, or (for a redelivery) a later one.
        var foldedIn = events.SelectMany(e => e.Info.FoldedKeys.Select(k => (k, e.Info.Version))).ToDictionary(x => x.k, x => x.Version);
        foreach (var (key, version) in progress.DurableKeys)
            Assert.True(foldedIn[key] <= version, $"{key} acknowledged at {version} but folded at {foldedIn[key]}");

        var gaps = progress.DurableAt.Zip(progress.DurableAt.Skip(1), (x, y) => (y - x).TotalSeconds).ToList();
        output.WriteLine($"folding paused {gaps.Max():F1} s around the crash (crash at +{(crashedAt - progress.DurableAt[0]).TotalSeconds:F1} s); " +
                         $"{progress.Redeliveries} redeliveries, {events.Count} aggregations, aggregator now on {after.Node}");
    }

    private static Task<IngestDriver.Progress> Progress(IActorRef driver) =>
        driver.Ask<IngestDriver.Progress>(new IngestDriver.GetProgress(), TimeSpan.FromSeconds(10));

    private static Task Eventually(Func<bool> condition, string what, TimeSpan? within = null) =>
        Eventually(() => Task.FromResult(condition()), what, within);

    private static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            try { if (await condition()) return; } catch (Exception e) when (e is AskTimeoutException or TimeoutException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"not reached in time: {what}");
    }
}
