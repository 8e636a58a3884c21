namespace FedActors.Simulation.Federation;

/// <summary>The global model's test loss and accuracy at a virtual time.</summary>
public readonly record struct EvaluationPoint(double Time, long Version, double Accuracy, double Loss);

/// <summary>What one simulated run did: the evaluation series, every update's staleness, and the counts.</summary>
public sealed class SimulationResult
{
    public required string Method { get; init; }
    public required IReadOnlyList<EvaluationPoint> Series { get; init; }

    /// <summary>Staleness of every update that reached the server (accepted or not), in arrival order.</summary>
    public required IReadOnlyList<long> Staleness { get; init; }

    /// <summary>Sync only: each round's duration, from selection to close.</summary>
    public required IReadOnlyList<double> RoundDurations { get; init; }

    public int AttemptsStarted { get; init; }
    public int Dropped { get; init; }
    public int Accepted { get; init; }
    public int Rejected { get; init; }
    public required IReadOnlyDictionary<string, int> RejectReasons { get; init; }

    /// <summary>Sync only: updates that came after their round had closed.</summary>
    public int Discarded { get; init; }

    public long FinalVersion { get; init; }

    /// <summary>Training attempts started per client (index = client): who was invited how often.</summary>
    public IReadOnlyList<long> AttemptsPerClient { get; init; } = [];

    /// <summary>Clients invited at least once.</summary>
    public int ClientsReached => AttemptsPerClient.Count(a => a > 0);

    public SortedDictionary<long, int> StalenessHistogram()
    {
        var h = new SortedDictionary<long, int>();
        foreach (var s in Staleness) h[s] = h.GetValueOrDefault(s) + 1;
        return h;
    }

    public double MeanStaleness => Staleness.Count == 0 ? 0 : Staleness.Average();

    /// <summary>The first evaluation time at which accuracy reached <paramref name="target"/>, or null.</summary>
    public double? TimeToAccuracy(double target)
    {
        foreach (var p in Series) if (p.Accuracy >= target) return p.Time;
        return null;
    }

    /// <summary>
    /// Mean accuracy over the evaluations in the last <paramref name="fraction"/> of the run: one evaluation of an async
    /// model that moves every few seconds is noisy, the mean over a window is what the run converged to.
    /// </summary>
    public double FinalAccuracy(double fraction = 0.1)
    {
        if (Series.Count == 0) return double.NaN;
        double end = Series[^1].Time, from = end - fraction * end;
        var tail = Series.Where(p => p.Time >= from).ToArray();
        return tail.Average(p => p.Accuracy);
    }

    public double FinalLoss(double fraction = 0.1)
    {
        if (Series.Count == 0) return double.NaN;
        double end = Series[^1].Time, from = end - fraction * end;
        return Series.Where(p => p.Time >= from).Average(p => p.Loss);
    }
}
