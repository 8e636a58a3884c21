using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedActors.Core.Kernels;

/// <summary>
/// The hot loops over model parameters. The fold reads each update once and keeps the accumulator in cache,
/// so its limit is the memory read bandwidth of the update (see the fold benchmark).
/// </summary>
public static class VectorKernels
{
    /// <summary><c>acc[i] += weight * update[i]</c>.</summary>
    public static void Fold(Span<float> accumulator, float weight, ReadOnlySpan<float> update)
    {
        if (accumulator.Length != update.Length) throw new ArgumentException("dimension mismatch", nameof(update));
        ref float a = ref MemoryMarshal.GetReference(accumulator);
        ref float u = ref MemoryMarshal.GetReference(update);
        nuint n = (nuint)accumulator.Length, i = 0;

        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var w = Vector512.Create(weight);
            nuint step = (nuint)Vector512<float>.Count;
            // Four independent FMA chains hide the FMA latency; the loop is then bound by loads.
            for (; i + 4 * step <= n; i += 4 * step)
            {
                Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref u, i), w, Vector512.LoadUnsafe(ref a, i)), ref a, i);
                Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref u, i + step), w, Vector512.LoadUnsafe(ref a, i + step)), ref a, i + step);
                Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref u, i + 2 * step), w, Vector512.LoadUnsafe(ref a, i + 2 * step)), ref a, i + 2 * step);
                Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref u, i + 3 * step), w, Vector512.LoadUnsafe(ref a, i + 3 * step)), ref a, i + 3 * step);
            }
            for (; i + step <= n; i += step)
                Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref u, i), w, Vector512.LoadUnsafe(ref a, i)), ref a, i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            var w = Vector256.Create(weight);
            nuint step = (nuint)Vector256<float>.Count;
            for (; i + 2 * step <= n; i += 2 * step)
            {
                Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref u, i), w, Vector256.LoadUnsafe(ref a, i)), ref a, i);
                Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref u, i + step), w, Vector256.LoadUnsafe(ref a, i + step)), ref a, i + step);
            }
            for (; i + step <= n; i += step)
                Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref u, i), w, Vector256.LoadUnsafe(ref a, i)), ref a, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref a, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref u, i), weight, Unsafe.Add(ref a, i));
    }

    /// <summary><c>acc[i] += weight * (update[i] - baseline[i])</c>: folds a full local model as its delta from the base model.</summary>
    public static void FoldDifference(Span<float> accumulator, float weight, ReadOnlySpan<float> update, ReadOnlySpan<float> baseline)
    {
        if (accumulator.Length != update.Length || update.Length != baseline.Length)
            throw new ArgumentException("dimension mismatch", nameof(update));
        ref float a = ref MemoryMarshal.GetReference(accumulator);
        ref float u = ref MemoryMarshal.GetReference(update);
        ref float b = ref MemoryMarshal.GetReference(baseline);
        nuint n = (nuint)accumulator.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var w = Vector512.Create(weight);
            nuint step = (nuint)Vector512<float>.Count;
            for (; i + step <= n; i += step)
            {
                // The difference is exact in float32 when the two are close (Sterbenz), which is why it is taken first.
                var d = Vector512.LoadUnsafe(ref u, i) - Vector512.LoadUnsafe(ref b, i);
                Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(d, w, Vector512.LoadUnsafe(ref a, i)), ref a, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            var w = Vector256.Create(weight);
            nuint step = (nuint)Vector256<float>.Count;
            for (; i + step <= n; i += step)
            {
                var d = Vector256.LoadUnsafe(ref u, i) - Vector256.LoadUnsafe(ref b, i);
                Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(d, w, Vector256.LoadUnsafe(ref a, i)), ref a, i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref a, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref u, i) - Unsafe.Add(ref b, i), weight, Unsafe.Add(ref a, i));
    }

    /// <summary>
    /// Folds many updates at once: <c>acc[i] += w_k * (u_k[i] - b_k[i])</c> for every term k in order (b_k absent for
    /// deltas), so the result is bit-identical to folding them one after another. Each accumulator vector is loaded
    /// once, receives every term, and is stored once, while the updates stream past side by side: the accumulator's
    /// traffic, which limits folding one update at a time, is paid once per <see cref="TermsPerPass"/> updates.
    /// </summary>
    public static unsafe void FoldMany(Span<float> accumulator, ReadOnlySpan<FoldTerm> terms)
    {
        foreach (var t in terms)
            if (t.Update.Length != accumulator.Length || (!t.Baseline.IsEmpty && t.Baseline.Length != accumulator.Length))
                throw new ArgumentException("dimension mismatch", nameof(terms));

        float** updates = stackalloc float*[TermsPerPass];
        float** baselines = stackalloc float*[TermsPerPass];
        float* weights = stackalloc float[TermsPerPass];
        var pins = new System.Buffers.MemoryHandle[2 * TermsPerPass];
        for (int first = 0; first < terms.Length; first += TermsPerPass)
        {
            var group = terms.Slice(first, Math.Min(TermsPerPass, terms.Length - first));
            if (group.Length == 1)
            {
                if (group[0].Baseline.IsEmpty) Fold(accumulator, group[0].Weight, group[0].Update.Span);
                else FoldDifference(accumulator, group[0].Weight, group[0].Update.Span, group[0].Baseline.Span);
                continue;
            }
            try
            {
                for (int k = 0; k < group.Length; k++)
                {
                    pins[2 * k] = group[k].Update.Pin();
                    updates[k] = (float*)pins[2 * k].Pointer;
                    if (!group[k].Baseline.IsEmpty)
                    {
                        pins[2 * k + 1] = group[k].Baseline.Pin();
                        baselines[k] = (float*)pins[2 * k + 1].Pointer;
                    }
                    else baselines[k] = null;
                    weights[k] = group[k].Weight;
                }
                fixed (float* acc = accumulator)
                    FoldColumns(acc, (nuint)accumulator.Length, updates, baselines, weights, group.Length);
            }
            finally
            {
                for (int k = 0; k < pins.Length; k++) { pins[k].Dispose(); pins[k] = default; }
            }
        }
    }

    /// <summary>Updates folded in one pass over the accumulator: measured best here (docs/benchmarks.md); more streams
    /// than this start to defeat the hardware prefetchers.</summary>
    public const int TermsPerPass = 16;

    private static unsafe void FoldColumns(float* acc, nuint n, float** updates, float** baselines, float* weights, int count)
    {
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            nuint step = (nuint)Vector512<float>.Count;
            for (; i + 2 * step <= n; i += 2 * step)
            {
                // Two accumulator vectors per step give two independent FMA chains.
                var a0 = Vector512.Load(acc + i);
                var a1 = Vector512.Load(acc + i + step);
                for (int k = 0; k < count; k++)
                {
                    var w = Vector512.Create(weights[k]);
                    var u0 = Vector512.Load(updates[k] + i);
                    var u1 = Vector512.Load(updates[k] + i + step);
                    if (baselines[k] != null)
                    {
                        u0 -= Vector512.Load(baselines[k] + i);
                        u1 -= Vector512.Load(baselines[k] + i + step);
                    }
                    a0 = Vector512.FusedMultiplyAdd(u0, w, a0);
                    a1 = Vector512.FusedMultiplyAdd(u1, w, a1);
                }
                a0.Store(acc + i);
                a1.Store(acc + i + step);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            nuint step = (nuint)Vector256<float>.Count;
            for (; i + 2 * step <= n; i += 2 * step)
            {
                var a0 = Vector256.Load(acc + i);
                var a1 = Vector256.Load(acc + i + step);
                for (int k = 0; k < count; k++)
                {
                    var w = Vector256.Create(weights[k]);
                    var u0 = Vector256.Load(updates[k] + i);
                    var u1 = Vector256.Load(updates[k] + i + step);
                    if (baselines[k] != null)
                    {
                        u0 -= Vector256.Load(baselines[k] + i);
                        u1 -= Vector256.Load(baselines[k] + i + step);
                    }
                    a0 = Vector256.FusedMultiplyAdd(u0, w, a0);
                    a1 = Vector256.FusedMultiplyAdd(u1, w, a1);
                }
                a0.Store(acc + i);
                a1.Store(acc + i + step);
            }
        }
        for (; i < n; i++)
        {
            float a = acc[i];
            for (int k = 0; k < count; k++)
            {
                float u = baselines[k] != null ? updates[k][i] - baselines[k][i] : updates[k][i];
                a = MathF.FusedMultiplyAdd(u, weights[k], a);
            }
            acc[i] = a;
        }
    }

    /// <summary>
    /// Sum of squares in one pass. A NaN or infinity anywhere makes it non-finite, so one pass serves both
    /// the finiteness check and the norm bound; <see cref="AllFinite"/> tells the two apart on the rare reject path.
    /// </summary>
    public static float SumOfSquares(ReadOnlySpan<float> values) => SquaredNorm(values, default);

    /// <summary>Squared Euclidean distance between two vectors (the norm of a full model's delta).</summary>
    public static float SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("dimension mismatch", nameof(y));
        return SquaredNorm(x, y);
    }

    /// <summary>sum (x - y)^2, or sum x^2 when <paramref name="y"/> is empty; four accumulators keep it load-bound.</summary>
    private static float SquaredNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        bool difference = !y.IsEmpty;
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        float total = 0;
        if (Vector512.IsHardwareAccelerated && n >= 4 * (nuint)Vector512<float>.Count)
        {
            nuint step = (nuint)Vector512<float>.Count;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 4 * step <= n; i += 4 * step)
            {
                var v0 = Vector512.LoadUnsafe(ref px, i);
                var v1 = Vector512.LoadUnsafe(ref px, i + step);
                var v2 = Vector512.LoadUnsafe(ref px, i + 2 * step);
                var v3 = Vector512.LoadUnsafe(ref px, i + 3 * step);
                if (difference)
                {
                    v0 -= Vector512.LoadUnsafe(ref py, i);
                    v1 -= Vector512.LoadUnsafe(ref py, i + step);
                    v2 -= Vector512.LoadUnsafe(ref py, i + 2 * step);
                    v3 -= Vector512.LoadUnsafe(ref py, i + 3 * step);
                }
                s0 = Vector512.FusedMultiplyAdd(v0, v0, s0);
                s1 = Vector512.FusedMultiplyAdd(v1, v1, s1);
                s2 = Vector512.FusedMultiplyAdd(v2, v2, s2);
                s3 = Vector512.FusedMultiplyAdd(v3, v3, s3);
            }
            total = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 2 * (nuint)Vector256<float>.Count)
        {
            nuint step = (nuint)Vector256<float>.Count;
            Vector256<float> s0 = default, s1 = default;
            for (; i + 2 * step <= n; i += 2 * step)
            {
                var v0 = Vector256.LoadUnsafe(ref px, i);
                var v1 = Vector256.LoadUnsafe(ref px, i + step);
                if (difference)
                {
                    v0 -= Vector256.LoadUnsafe(ref py, i);
                    v1 -= Vector256.LoadUnsafe(ref py, i + step);
                }
                s0 = Vector256.FusedMultiplyAdd(v0, v0, s0);
                s1 = Vector256.FusedMultiplyAdd(v1, v1, s1);
            }
            total = Vector256.Sum(s0 + s1);
        }
        for (; i < n; i++)
        {
            float v = difference ? Unsafe.Add(ref px, i) - Unsafe.Add(ref py, i) : Unsafe.Add(ref px, i);
            total = MathF.FusedMultiplyAdd(v, v, total);
        }
        return total;
    }

    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>The obvious loop, kept as the reference the SIMD kernels are tested and benchmarked against.</summary>
    public static void FoldScalar(float[] accumulator, float weight, float[] update)
    {
        for (int i = 0; i < accumulator.Length; i++)
            accumulator[i] += weight * update[i];
    }
}

/// <summary>One term of <see cref="VectorKernels.FoldMany"/>: <c>weight * (update - baseline)</c>, or <c>weight * update</c> without a baseline.</summary>
public readonly record struct FoldTerm(float Weight, ReadOnlyMemory<float> Update, ReadOnlyMemory<float> Baseline = default);
