namespace FedActors.Core.Validation;

/// <summary>
/// Bounds an update must respect. The sample bound stops one client from dominating a sample-weighted average by
/// claiming a huge dataset; the norm bound (off by default) stops a diverged or hostile update.
/// </summary>
public sealed record ValidationLimits
{
    public ValidationLimits(long maxStaleness = 10, long maxNumSamples = 10_000_000, double maxUpdateNorm = double.PositiveInfinity)
    {
        if (maxStaleness < 0) throw new ArgumentOutOfRangeException(nameof(maxStaleness), maxStaleness, "max staleness must be >= 0");
        if (maxNumSamples < 1) throw new ArgumentOutOfRangeException(nameof(maxNumSamples), maxNumSamples, "max num_samples must be >= 1");
        if (double.IsNaN(maxUpdateNorm) || maxUpdateNorm <= 0) throw new ArgumentOutOfRangeException(nameof(maxUpdateNorm), maxUpdateNorm, "max update norm must be > 0");
        MaxStaleness = maxStaleness;
        MaxNumSamples = maxNumSamples;
        MaxUpdateNorm = maxUpdateNorm;
    }

    public long MaxStaleness { get; }
    public long MaxNumSamples { get; }
    public double MaxUpdateNorm { get; }
}
