namespace FedActors.Core.Buffering;

/// <summary>Why an aggregation ran.</summary>
public enum AggregationTrigger
{
    /// <summary>K updates were buffered.</summary>
    BufferFull,
    /// <summary>The time window passed since the last aggregation, with at least one update buffered.</summary>
    TimeWindow,
    /// <summary>The next update would take the buffered bytes past the memory limit.</summary>
    MemoryLimit,
    /// <summary>An operator asked for it.</summary>
    Manual,
}

/// <summary>
/// When the buffer is aggregated, whichever comes first: K updates (the seed's BufferedAggregator), the time window
/// since the last aggregation, or the memory limit (the seed's MemoryOptimizedBuffer). Pure: the caller passes the clock.
/// </summary>
public sealed record BufferPolicy
{
    public BufferPolicy(int bufferSize = 15, TimeSpan? timeWindow = null, long memoryLimitBytes = 1024L * 1024 * 1024)
    {
        if (bufferSize < 1) throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "aggregation buffer size must be >= 1");
        var window = timeWindow ?? TimeSpan.FromSeconds(60);
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeWindow), window, "aggregation time window must be > 0");
        if (memoryLimitBytes < 1) throw new ArgumentOutOfRangeException(nameof(memoryLimitBytes), memoryLimitBytes, "memory limit must be > 0");
        BufferSize = bufferSize;
        TimeWindow = window;
        MemoryLimitBytes = memoryLimitBytes;
    }

    public int BufferSize { get; }
    public TimeSpan TimeWindow { get; }
    public long MemoryLimitBytes { get; }

    /// <summary>Asked before folding an update of <paramref name="incomingBytes"/>: must the buffer be aggregated first?</summary>
    public AggregationTrigger? BeforeFold(UpdateBuffer buffer, long incomingBytes) =>
        !buffer.IsEmpty && buffer.PayloadBytes + incomingBytes > MemoryLimitBytes ? AggregationTrigger.MemoryLimit : null;

    /// <summary>Asked after a fold and on every timer tick: is an aggregation due now?</summary>
    public AggregationTrigger? Due(UpdateBuffer buffer, DateTimeOffset lastAggregationAt, DateTimeOffset now)
    {
        if (buffer.IsEmpty) return null;
        if (buffer.Count >= BufferSize) return AggregationTrigger.BufferFull;
        if (buffer.PayloadBytes >= MemoryLimitBytes) return AggregationTrigger.MemoryLimit;
        if (now - lastAggregationAt >= TimeWindow) return AggregationTrigger.TimeWindow;
        return null;
    }
}
