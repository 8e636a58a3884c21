using System.Diagnostics;
using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Versions;
using Akka.Persistence;
using FedActors.Core.Kernels;
using FedActors.Core.Model;

namespace FedActors.Benchmarks;

/// <summary>
/// Accepted, durable updates per second through the whole actor path (client shard region, ClientActor,
/// AggregatorActor, SQLite journal), against the fold kernel alone at the same dimension, both measured here.
/// The seed's settings: FedBuff-style buffer of 15, so one journal write per 15 updates.
/// </summary>
public static class ActorPathBenchmark
{
    public static BenchReport Run(BenchOptions options)
    {
        var report = new BenchReport("actor_path").Fact("machine", Measure.Machine());
        foreach (int d in new[] { 10_000, 100_000 })
        {
            double kernel = FoldKernelPerSecond(d, options);
            var (rate, latencyMs, aggregations, cpu, gen2, journalEvents) = ActorPathPerSecond(d, options).GetAwaiter().GetResult();
            double journalLimit = journalEvents * BufferSize;
            string k = $"d{d / 1000}k";
            report.Figure($"{k}_updates_per_s", rate, $"d = {d:N0}: durable updates through the actor path", "/s")
                  .Figure($"{k}_fold_kernel_updates_per_s", kernel, "  fold kernel alone (16 a pass)", "/s")
                  .Figure($"{k}_ratio", rate / kernel, "  ratio actor path / fold kernel", "ratio")
                  .Figure($"{k}_journal_events_per_s", journalEvents, "  the journal alone: model-sized events/s (PersistAsync, 64 in flight)", "/s")
                  .Figure($"{k}_journal_limit_updates_per_s", journalLimit, "  journal limit: events/s x 15 updates an event", "/s")
                  .Figure($"{k}_journal_ratio", rate / journalLimit, "  ratio actor path / journal limit", "ratio")
                  .Figure($"{k}_mean_ack_latency_ms", latencyMs, "  mean time from send to durable ack (ms)")
                  .Figure($"{k}_aggregations_per_s", aggregations, "  aggregations journaled per second")
                  .Figure($"{k}_cpu_cores_busy", cpu, "  CPU cores busy (of 2)")
                  .Figure($"{k}_gen2_collections_per_s", gen2, "  gen-2 garbage collections per second");
        }
        return report;
    }

    private static double FoldKernelPerSecond(int d, BenchOptions options)
    {
        var rng = new Random(3);
        var pool = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, d).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var terms = pool.Select(u => new FoldTerm(0.5f, u)).ToArray();
        var acc = new float[d];
        double bytes = Measure.BytesPerSecond(() =>
        {
            for (int p = 0; p < terms.Length; p += 16) VectorKernels.FoldMany(acc, terms.AsSpan(p, 16));
        }, (long)terms.Length * d * sizeof(float), options.Quick ? 3 : 5, TimeSpan.FromMilliseconds(options.Quick ? 300 : 800));
        return bytes / (d * sizeof(float));
    }

    private const int BufferSize = 15;

    private static async Task<(double Rate, double LatencyMs, double AggregationsPerSecond, double CpuCores, double Gen2PerSecond, double JournalEventsPerSecond)> ActorPathPerSecond(int d, BenchOptions options)
    {
        await using var node = await BenchNode.StartAsync($$"""
            fedactors.aggregation {
              strategy = fedbuff
              # 1,920 updates in flight over aggregations of 15 make each ~128 versions stale on arrival: this measures
              # throughput, so the staleness bound is out of the way.
              staleness { function = inverse_sqrt, max = 1000 }
              buffer { size = 15, time-window = 60s }
              model { dimension = {{d}}, initial = zeros }
            }
            """);
        var payload = Enumerable.Range(0, d).Select(i => 1e-4f * (i % 7)).ToArray();
        // Enough in flight to fill the journal pipeline (64 writes of 15 updates, twice over), as a Kafka ingest with
        // thousands of uncommitted messages would; a small window measures the latency, not the capacity.
        var driver = node.System.ActorOf(Props.Create(() => new LoadDriver(node.Clients, payload, 1_000, 1_920)));
        var warmup = TimeSpan.FromSeconds(options.Quick ? 1 : 2);
        var measure = TimeSpan.FromSeconds(options.Quick ? 3 : 6);
        await Task.Delay(warmup);
        var start = await driver.Ask<LoadDriver.Counts>(new LoadDriver.Read(), TimeSpan.FromSeconds(10));
        var status0 = await node.Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(10));
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        int gen2 = GC.CollectionCount(2);
        var sw = Stopwatch.StartNew();
        var inFlight = new List<int>();
        var buffered = new List<int>();
        while (sw.Elapsed < measure)
        {
            await Task.Delay(200);
            var s = await node.Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(10));
            inFlight.Add(s.JournalWritesInFlight);
            buffered.Add(s.BufferFill);
        }
        Console.WriteLine($"  (journal writes in flight, sampled: mean {inFlight.Average():F1}, max {inFlight.Max()}; buffer fill mean {buffered.Average():F1})");
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        gen2 = GC.CollectionCount(2) - gen2;
        var end = await driver.Ask<LoadDriver.Counts>(new LoadDriver.Read(), TimeSpan.FromSeconds(10));
        var status1 = await node.Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(10));
        double seconds = sw.Elapsed.TotalSeconds;
        if (end.Rejected > 0) throw new InvalidOperationException($"{end.Rejected} updates were rejected during the benchmark, the first: {end.FirstReject}");
        node.System.Stop(driver);
        long acked = end.Durable - start.Durable;
        return (acked / seconds, (end.LatencyTicks - start.LatencyTicks) / (double)Math.Max(1, acked) / TimeSpan.TicksPerMillisecond,
            (status1.Aggregations - status0.Aggregations) / seconds, cpu / seconds, gen2 / seconds,
            await JournalEventsPerSecond(node.System, d * sizeof(float) + 256, measure));
    }

    /// <summary>
    /// The journal plugin's own ceiling on this machine: events the size of one aggregation (the step plus metadata),
    /// written by a bare persistent actor with PersistAsync and 64 in flight, on the same SQLite journal.
    /// </summary>
    private static async Task<double> JournalEventsPerSecond(ActorSystem system, int eventBytes, TimeSpan duration)
    {
        var done = new TaskCompletionSource<double>();
        system.ActorOf(Props.Create(() => new CeilingWriter(eventBytes, duration, done)));
        return await done.Task.WaitAsync(duration + TimeSpan.FromSeconds(60));
    }

    private sealed class CeilingWriter : ReceivePersistentActor
    {
        public CeilingWriter(int eventBytes, TimeSpan duration, TaskCompletionSource<double> done)
        {
            var sw = new Stopwatch();
            long written = 0;
            int inFlight = 0;
            void Fill()
            {
                if (sw.Elapsed >= duration || inFlight >= 64) return;
                var batch = Enumerable.Range(0, 64 - inFlight).Select(_ => new byte[eventBytes]).ToArray();
                inFlight += batch.Length;
                PersistAllAsync(batch, _ =>
                {
                    inFlight--;
                    written++;
                    if (sw.Elapsed >= duration) { if (inFlight == 0) done.TrySetResult(written / sw.Elapsed.TotalSeconds); }
                    else if (inFlight <= 32) Self.Tell("more");
                });
            }
            Recover<RecoveryCompleted>(_ => { sw.Start(); Fill(); });
            Command<string>(_ => Fill());
        }

        public override string PersistenceId { get; } = $"journal-ceiling-{Guid.NewGuid():N}";
    }

    /// <summary>Keeps a fixed number of updates in flight from many clients, each trained on the node's current version.</summary>
    private sealed class LoadDriver : ReceiveActor
    {
        public sealed record Read;
        public sealed record Counts(long Durable, long Rejected, long LatencyTicks, string? FirstReject);

        private readonly Dictionary<IdempotencyKey, long> _sentAt = new();
        private long _durable, _rejected, _latency, _sequence;
        private string? _firstReject;

        public LoadDriver(IActorRef region, float[] payload, int clients, int window)
        {
            var view = ModelVersionView.Get(Context.System);
            void Send()
            {
                long seq = _sequence++;
                var update = new ClientUpdate($"bench-{seq % clients}", seq, view.Current, UpdateKind.Delta, payload, 100);
                _sentAt[update.Key] = Stopwatch.GetTimestamp();
                region.Tell(new ClientProtocol.SubmitUpdate(update, null, Self));
            }
            void Done(IdempotencyKey key)
            {
                if (_sentAt.Remove(key, out var at)) _latency += (long)((Stopwatch.GetTimestamp() - at) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency));
                Send();
            }
            Receive<UpdateDurable>(r => { _durable++; Done(r.Key); });
            Receive<UpdateRejected>(r => { _rejected++; _firstReject ??= $"{r.Reason}: {r.Detail}"; Done(r.Key); });
            Receive<Read>(_ => Sender.Tell(new Counts(_durable, _rejected, _latency, _firstReject)));
            for (int i = 0; i < window; i++) Send();
        }
    }
}
