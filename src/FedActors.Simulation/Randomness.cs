namespace FedActors.Simulation;

/// <summary>
/// Seeded draws. <see cref="System.Random"/> with a seed is deterministic across runs and platforms, which every
/// experiment here relies on; these add the distributions it lacks.
/// </summary>
public static class Randomness
{
    /// <summary>A standard normal draw (Box-Muller; one value per call keeps the stream simple to reason about).</summary>
    public static double NextGaussian(this Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // (0, 1]: log is finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public static double NextGaussian(this Random rng, double mean, double standardDeviation) =>
        mean + standardDeviation * rng.NextGaussian();

    /// <summary>exp(N(ln median, sigma^2)): median <paramref name="median"/>, heavy right tail for sigma near 1.</summary>
    public static double NextLogNormal(this Random rng, double median, double sigma) =>
        median * Math.Exp(sigma * rng.NextGaussian());

    public static double NextExponential(this Random rng, double mean) => -mean * Math.Log(1.0 - rng.NextDouble());

    /// <summary>Fisher-Yates, in place.</summary>
    public static void Shuffle<T>(this Random rng, Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// A seed derived from several integers, so that e.g. client k's n-th training attempt draws the same numbers in
    /// every run and every mode that uses the same base seed (same stragglers for sync and async).
    /// </summary>
    public static int Derive(int seed, params ReadOnlySpan<long> parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)seed;
        foreach (var p in parts)
        {
            h ^= (ulong)p + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
            h = SplitMix(h);
        }
        return (int)(h & 0x7FFFFFFF);
    }

    private static ulong SplitMix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
