using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Kernels;
using FedActors.Core.Model;

namespace FedActors.Benchmarks;

/// <summary>
/// The update fold <c>acc += w * u</c> at d = 1M float32, against this machine's single-core memory read bandwidth,
/// both measured here and now. Updates are folded from a pool several times larger than the last-level cache, so
/// each one comes from DRAM as a freshly received update would; the accumulator stays in cache, as it does in the
/// buffer. The ratio is fold bytes/s (update bytes read) over read bandwidth: 1.0 would be the physical limit.
/// </summary>
public static class FoldBenchmark
{
    private const int Dimension = 1_000_000;

    public static BenchReport Run(BenchOptions options)
    {
        int pairs = options.Quick ? 3 : 7;
        var each = TimeSpan.FromMilliseconds(options.Quick ? 200 : 400);
        long poolBytes = options.Quick ? 384L << 20 : 768L << 20;   // > the 260 MiB L3 here
        long bandwidthBytes = 1L << 30;

        var stream = new float[bandwidthBytes / sizeof(float)];
        for (int i = 0; i < stream.Length; i += 1024) stream[i] = 1f;
        float sink = 0;
        Action readStream = () => sink += SumStream(stream);

        int poolSize = (int)(poolBytes / (Dimension * sizeof(float))) / Batch * Batch;
        var rng = new Random(1);
        var pool = new float[poolSize][];
        for (int p = 0; p < poolSize; p++)
        {
            pool[p] = new float[Dimension];
            for (int i = 0; i < Dimension; i += 1024) pool[p][i] = (float)rng.NextDouble(); // touch every page
        }
        var acc = new float[Dimension];
        long poolUpdateBytes = (long)poolSize * Dimension * sizeof(float);
        var terms = pool.Select(u => new FoldTerm(0.5f, u)).ToArray();

        var batched = Measure.Paired(readStream, bandwidthBytes, () =>
        {
            for (int p = 0; p < terms.Length; p += Batch) VectorKernels.FoldMany(acc, terms.AsSpan(p, Batch));
        }, poolUpdateBytes, pairs, each);
        var single = Measure.Paired(readStream, bandwidthBytes, () => { foreach (var u in pool) VectorKernels.Fold(acc, 0.5f, u); }, poolUpdateBytes, pairs, each);
        var tensor = Measure.Paired(readStream, bandwidthBytes, () => { foreach (var u in pool) TensorPrimitives.MultiplyAdd(u, 0.5f, acc, acc); }, poolUpdateBytes, pairs, each);
        var scalar = Measure.Paired(readStream, bandwidthBytes, () => { foreach (var u in pool) VectorKernels.FoldScalar(acc, 0.5f, u); }, poolUpdateBytes, pairs, each);
        var hot = pool[0];
        var inCache = Measure.Paired(readStream, bandwidthBytes, () => VectorKernels.Fold(acc, 0.5f, hot), Dimension * sizeof(float), pairs, each);

        // The core's whole hot path: validate (one pass: finiteness and norm) and fold, through the engine, in batches.
        var settings = AggregationSettings.FromNames("fedbuff", "inverse_sqrt", "sgd", buffer: new BufferPolicy(Batch, TimeSpan.FromDays(1)));
        var engine = new AggregationEngine(settings, GlobalModel.Zeros(Dimension), DateTimeOffset.UnixEpoch);
        long sequence = 0;
        var group = new ClientUpdate[Batch];
        var submit = Measure.Paired(readStream, bandwidthBytes, () =>
        {
            for (int p = 0; p < pool.Length; p += Batch)
            {
                var version = engine.Current.Version;
                for (int k = 0; k < Batch; k++)
                    group[k] = new ClientUpdate("bench", sequence++, version, UpdateKind.Delta, pool[p + k], 100);
                engine.SubmitBatch(group, DateTimeOffset.UnixEpoch);
            }
        }, poolUpdateBytes, pairs, each);
        GC.KeepAlive(sink);

        double bytesPerUpdate = Dimension * sizeof(float);
        return new BenchReport("fold")
            .Fact("machine", Measure.Machine())
            .Fact("method", "median of alternating trials: streaming read of 1 GiB, then the kernel over a pool of updates larger than the L3")
            .Figure("dimension", Dimension)
            .Figure("pool_bytes", poolUpdateBytes)
            .Figure("batch", Batch)
            .Figure("read_bandwidth_bytes_per_s", batched.Limit, "memory read bandwidth (1 core, streaming sum)", "B/s")
            .Figure("fold_bytes_per_s", batched.Kernel, "fold, SIMD, 16 updates a pass, from DRAM", "B/s")
            .Figure("ratio", batched.Ratio, "  ratio fold / read bandwidth", "ratio")
            .Figure("folds_per_s", batched.Kernel / bytesPerUpdate, "  folds of a 1M-parameter update", "/s")
            .Figure("single_fold_bytes_per_s", single.Kernel, "fold, SIMD, one update a pass", "B/s")
            .Figure("single_fold_ratio", single.Ratio, "  ratio / read bandwidth", "ratio")
            .Figure("tensorprimitives_multiply_add_bytes_per_s", tensor.Kernel, "fold, TensorPrimitives.MultiplyAdd", "B/s")
            .Figure("tensorprimitives_ratio", tensor.Ratio, "  ratio / read bandwidth", "ratio")
            .Figure("scalar_bytes_per_s", scalar.Kernel, "fold, naive scalar loop", "B/s")
            .Figure("scalar_ratio", scalar.Ratio, "  ratio / read bandwidth", "ratio")
            .Figure("batched_over_scalar", batched.Ratio / scalar.Ratio, "  batched SIMD over scalar", "x")
            .Figure("in_cache_fold_bytes_per_s", inCache.Kernel, "fold, one update already in cache", "B/s")
            .Figure("submit_bytes_per_s", submit.Kernel, "engine submit, batches of 16 (validate + fold)", "B/s")
            .Figure("submit_ratio", submit.Ratio, "  ratio / read bandwidth", "ratio")
            .Figure("submits_per_s", submit.Kernel / bytesPerUpdate, "  accepted 1M-parameter updates", "/s");
    }

    private const int Batch = VectorKernels.TermsPerPass;

    /// <summary>Single-core streaming read, the fold's physical limit: a SIMD sum over a buffer far larger than the caches.</summary>
    private static float SumStream(float[] data)
    {
        // Four accumulators, so the loop is bound by loads, not by the add latency.
        ref float d = ref MemoryMarshal.GetArrayDataReference(data);
        nuint n = (nuint)data.Length, i = 0, step = (nuint)Vector512<float>.Count;
        if (!Vector512.IsHardwareAccelerated) return TensorPrimitives.Sum(data);
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + 4 * step <= n; i += 4 * step)
        {
            s0 += Vector512.LoadUnsafe(ref d, i);
            s1 += Vector512.LoadUnsafe(ref d, i + step);
            s2 += Vector512.LoadUnsafe(ref d, i + 2 * step);
            s3 += Vector512.LoadUnsafe(ref d, i + 3 * step);
        }
        float total = Vector512.Sum(s0 + s1 + s2 + s3);
        for (; i < n; i++) total += System.Runtime.CompilerServices.Unsafe.Add(ref d, i);
        return total;
    }
}
