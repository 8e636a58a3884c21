using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Validation;
using FsCheck;
using FsCheck.Xunit;
using static FedActors.Core.Tests.TestUpdates;

namespace FedActors.Core.Tests;

/// <summary>Invariants over random inputs; FsCheck picks the seeds and sizes and shrinks a failure.</summary>
public class AggregationPropertyTests
{
    private static readonly string[] OrderIndependent = ["fedavg_staleness_aware", "fedbuff"];

    [Property(MaxTest = 60)]
    public bool The_FedAvg_of_identical_client_models_is_that_model(int seed, PositiveInt count, NonNegativeInt staleness)
    {
        var rng = new Random(seed);
        int d = rng.Next(1, 300), k = Math.Min(count.Get, 12);
        var engine = Engine(initial: Random(rng, d), bufferSize: 1000, maxStaleness: 20);
        int versions = Math.Min(staleness.Get, 8);
        for (int v = 0; v < versions; v++)
        {
            engine.Submit(Delta("warm", v, v, Random(rng, d, 0.1f)), T0);
            engine.Aggregate(AggregationTrigger.Manual, T0);
        }
        var target = Random(rng, d, 5f);
        for (int i = 0; i < k; i++)
            engine.Submit(Weights($"c{i}", 0, rng.Next(0, versions + 1), target, samples: rng.Next(1, 5000)), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);
        return Enumerable.Range(0, d).All(i => Math.Abs(engine.Current.Parameters[i] - target[i]) <= 1e-4f * (1 + Math.Abs(target[i])));
    }

    [Property(MaxTest = 60)]
    public bool Order_independent_strategies_give_the_same_model_in_any_order(int seed)
    {
        var rng = new Random(seed);
        int d = rng.Next(1, 200), k = rng.Next(2, 15);
        var initial = Random(rng, d);
        var updates = Enumerable.Range(0, k).Select(i => rng.Next(2) == 0
            ? Delta($"c{i}", 0, 0, Random(rng, d), rng.Next(1, 1000))
            : Weights($"c{i}", 0, 0, Random(rng, d), rng.Next(1, 1000))).ToList();
        var shuffled = updates.OrderBy(_ => rng.Next()).ToList();
        foreach (var strategy in OrderIndependent)
        {
            var a = Engine(strategy, initial: (float[])initial.Clone());
            var b = Engine(strategy, initial: (float[])initial.Clone());
            updates.ForEach(u => a.Submit(u, T0));
            shuffled.ForEach(u => b.Submit(u, T0));
            a.Aggregate(AggregationTrigger.Manual, T0);
            b.Aggregate(AggregationTrigger.Manual, T0);
            for (int i = 0; i < d; i++)
                if (Math.Abs(a.Current.Parameters[i] - b.Current.Parameters[i]) > 1e-5f * (1 + Math.Abs(a.Current.Parameters[i])))
                    return false;
        }
        return true;
    }

    [Property(MaxTest = 100)]
    public bool Fold_weights_are_never_negative(NonNegativeInt samples, NonNegativeInt staleness)
    {
        foreach (var name in Strategies.AggregationStrategies.Names)
            foreach (var f in new[] { "inverse_linear", "constant", "polynomial", "hinge", "inverse_sqrt" })
            {
                var strategy = Strategies.AggregationStrategies.Create(name);
                double w = strategy.FoldWeight(samples.Get + 1, Staleness.StalenessFunctions.Create(f).Weight(staleness.Get));
                if (!(w >= 0) || double.IsInfinity(w)) return false;
            }
        return true;
    }

    [Property(MaxTest = 100)]
    public bool A_reject_leaves_the_model_and_buffer_bit_identical(int seed, byte defect)
    {
        var rng = new Random(seed);
        int d = rng.Next(2, 100);
        var engine = Engine("fedbuff", "inverse_sqrt", initial: Random(rng, d), bufferSize: 1000,
            limits: new ValidationLimits(maxStaleness: 3, maxNumSamples: 10_000, maxUpdateNorm: 1000));
        engine.Submit(Delta("a", 0, 0, Random(rng, d)), T0);
        engine.Aggregate(AggregationTrigger.Manual, T0);
        engine.Submit(Delta("b", 0, 1, Random(rng, d)), T0);          // something in the buffer
        var model = (float[])engine.Current.Parameters.Clone();
        var buffered = engine.Buffer.WeightedDeltaSum.ToArray();
        var values = Random(rng, d);
        ClientUpdate bad = (defect % 8) switch
        {
            0 => Delta("x", 0, 1, Random(rng, d + 1)),
            1 => Delta("x", 0, 1, values.Select((v, i) => i == d / 2 ? float.NaN : v).ToArray()),
            2 => Delta("x", 0, 1, values, samples: 0),
            3 => Delta("x", 0, 1, values, samples: 10_001),
            4 => Delta("x", 0, 1, values.Select(v => v * 1e6f).ToArray()),
            5 => Delta("x", 0, 2, values),
            6 => Delta("b", 0, 1, values),
            _ => new ClientUpdate("x", 0, new ModelVersion(1), (UpdateKind)0, values, 10),
        };
        var outcome = engine.Submit(bad, T0);
        return !outcome.Accepted
               && engine.Current.Parameters.AsSpan().SequenceEqual(model)
               && engine.Buffer.WeightedDeltaSum.SequenceEqual(buffered)
               && engine.Buffer.Count == 1;
    }

    [Property(MaxTest = 40)]
    public bool A_batch_gives_what_one_by_one_gives_bit_for_bit(int seed, PositiveInt bufferSize)
    {
        var rng = new Random(seed);
        int d = rng.Next(1, 9000), k = Math.Min(bufferSize.Get, 7);
        var initial = Random(rng, d);
        var updates = new List<ClientUpdate>();
        for (int i = 0; i < 30; i++)
        {
            long baseVersion = rng.Next(0, 1 + i / Math.Max(1, k));
            var values = Random(rng, d);
            if (i == 9) values[0] = float.NaN;                        // a reject in the middle of the batch
            updates.Add(rng.Next(3) switch
            {
                0 => Weights($"c{rng.Next(5)}", i, baseVersion, values),
                1 => Delta($"c{rng.Next(5)}", i, baseVersion, values),
                _ => new ClientUpdate($"c{rng.Next(5)}", i, new ModelVersion(baseVersion), UpdateKind.Gradient, values, 50),
            });
        }
        updates.Add(updates[3]);                                      // and a duplicate
        var one = Engine("fedavg", "hinge", "fedadam", initial: (float[])initial.Clone(), bufferSize: k, memoryLimit: 6L * d * sizeof(float));
        var all = Engine("fedavg", "hinge", "fedadam", initial: (float[])initial.Clone(), bufferSize: k, memoryLimit: 6L * d * sizeof(float));
        var singly = updates.Select(u => one.Submit(u, T0)).ToList();
        var batched = all.SubmitBatch(updates, T0);
        return one.Current.Version == all.Current.Version
               && one.Current.Parameters.AsSpan().SequenceEqual(all.Current.Parameters)
               && one.Buffer.WeightedDeltaSum.SequenceEqual(all.Buffer.WeightedDeltaSum)
               && singly.Select(o => (o.Verdict.Reason, o.Aggregations.Count)).SequenceEqual(batched.Select(o => (o.Verdict.Reason, o.Aggregations.Count)));
    }

    [Fact]
    public void Replaying_the_plans_from_the_initial_model_rebuilds_model_optimizer_and_ledger_bit_for_bit()
    {
        var rng = new Random(5);
        var initial = Random(rng, 300);
        var live = Engine("fedbuff", "hinge", "fedyogi", initial: (float[])initial.Clone(), bufferSize: 3);
        var journal = new List<AggregationPlan>();
        for (int i = 0; i < 20; i++)
        {
            Assert.True(live.Accept(Delta($"c{i % 4}", i, live.Current.Version.Value, Random(rng, 300)), T0).Verdict.IsAccepted);
            if (live.DueTrigger(T0) is { } due) { var plan = live.Plan(due, T0)!; journal.Add(plan); live.Apply(plan); }
        }
        var replayed = Engine("fedbuff", "hinge", "fedyogi", initial: (float[])initial.Clone(), bufferSize: 3);
        journal.ForEach(replayed.Apply);
        Assert.Equal(live.Current.Version, replayed.Current.Version);
        Assert.Equal(live.Current.Parameters, replayed.Current.Parameters);
        Assert.Equal(live.Settings.Optimizer.ExportState().Buffers["v"], replayed.Settings.Optimizer.ExportState().Buffers["v"]);
        Assert.True(replayed.Ledger.WasFolded(new("c1", 1)));
        Assert.Throws<InvalidOperationException>(() => replayed.Apply(journal[0]));   // out of order
    }

    [Fact]
    public void A_snapshot_restores_history_optimizer_and_ledger()
    {
        var rng = new Random(9);
        var a = Engine("fedavg", "inverse_linear", "fedadam", initial: Random(rng, 50), bufferSize: 2);
        for (int i = 0; i < 9; i++) a.Submit(Weights($"c{i}", i, a.Current.Version.Value, Random(rng, 50)), T0.AddSeconds(i));
        Assert.Throws<InvalidOperationException>(() => a.ExportSnapshot());      // one update is still buffered
        a.Aggregate(AggregationTrigger.Manual, T0.AddSeconds(10));
        var snapshot = a.ExportSnapshot();
        var b = AggregationEngine.FromSnapshot(AggregationSettings.FromNames("fedavg", "inverse_linear", "fedadam",
            buffer: new BufferPolicy(2, TimeSpan.FromHours(1))), snapshot);
        Assert.Equal(a.Current.Version, b.Current.Version);
        Assert.Equal(a.Current.Parameters, b.Current.Parameters);
        Assert.Equal(a.LastAggregationAt, b.LastAggregationAt);
        Assert.True(b.History.TryGet(new ModelVersion(a.Current.Version.Value - 2), out _));
        Assert.True(b.Ledger.WasFolded(new("c8", 8)));
        // From here on the two are indistinguishable: the same updates give the same model.
        var more = new[] { Weights("z", 0, a.Current.Version.Value - 1, Random(rng, 50)), Delta("y", 0, a.Current.Version.Value, Random(rng, 50)) };
        a.SubmitBatch(more, T0);
        b.SubmitBatch(more, T0);
        Assert.Equal(a.Current.Version, b.Current.Version);
        Assert.Equal(a.Current.Parameters, b.Current.Parameters);
    }

    [Fact]
    public void The_same_updates_in_the_same_order_give_the_same_model_bit_for_bit()
    {
        // Recovery from a journal replays updates; it relies on this.
        foreach (var (strategy, optimizer) in new[] { ("fedavg", "fedadam"), ("fedbuff", "fedyogi"), ("fedasync", "sgd") })
        {
            float[] Run()
            {
                var rng = new Random(11);
                var engine = Engine(strategy, "polynomial", optimizer, initial: Random(rng, 513), bufferSize: 4);
                for (int i = 0; i < 40; i++)
                {
                    long v = Math.Max(0, engine.Current.Version.Value - rng.Next(0, 3));
                    engine.Submit(i % 3 == 0 ? Weights($"c{i % 7}", i, v, Random(rng, 513)) : Delta($"c{i % 7}", i, v, Random(rng, 513)), T0.AddSeconds(i));
                }
                return engine.Current.Parameters;
            }
            Assert.Equal(Run(), Run());
        }
    }
}
