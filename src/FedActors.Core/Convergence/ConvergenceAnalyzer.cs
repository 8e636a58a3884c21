using FedActors.Core.Model;

namespace FedActors.Core.Convergence;

/// <summary>One global version as the convergence analysis sees it. Loss and accuracy come from evaluation where a held-out set exists.</summary>
public sealed record VersionRecord(
    ModelVersion Version, DateTimeOffset At, int Updates, double MeanStaleness, double MeanStalenessWeight,
    double? Loss = null, double? Accuracy = null)
{
    public int NumClients { get; init; }
    /// <summary>What the clients reported of their local training (not a held-out evaluation).</summary>
    public double? MeanTrainingLoss { get; init; }
    public double? MeanTrainingAccuracy { get; init; }
    public double StepNorm { get; init; }
}

public enum StalenessAssessment { Efficient, Acceptable, High }

/// <summary>
/// The seed's convergence analysis. <see cref="ConvergenceRate"/> is the relative loss decrease per version
/// (least-squares slope over the window, divided by the mean loss), or the accuracy gain per version when only
/// accuracy is known. <see cref="StalenessImpact"/> is the share of update weight lost to staleness,
/// 1 - mean s(staleness), so <see cref="AdjustedConvergence"/> = rate * (1 - impact) as in the seed.
/// </summary>
public sealed record ConvergenceReport(
    int VersionsAnalyzed, double? ConvergenceRate, double StalenessImpact, double? AdjustedConvergence,
    double MeanStaleness, StalenessAssessment Assessment, string Recommendation);

public sealed class ConvergenceAnalyzer
{
    /// <summary>The seed's thresholds on mean staleness.</summary>
    public const double HighStaleness = 10, LowStaleness = 2;

    private readonly LinkedList<VersionRecord> _history = new();
    private readonly int _window, _historyLimit;

    public ConvergenceAnalyzer(int window = 20, int historyLimit = 1000)
    {
        if (window < 2) throw new ArgumentOutOfRangeException(nameof(window), window, "the window needs at least two versions");
        if (historyLimit < window) throw new ArgumentOutOfRangeException(nameof(historyLimit), historyLimit, "history must hold the window");
        _window = window;
        _historyLimit = historyLimit;
    }

    public IReadOnlyCollection<VersionRecord> History => _history;

    public void Record(VersionRecord record)
    {
        _history.AddLast(record);
        while (_history.Count > _historyLimit) _history.RemoveFirst();
    }

    /// <summary>Evaluation arrives after the version is published; it fills in that version's loss and accuracy.</summary>
    public bool RecordEvaluation(ModelVersion version, double? loss, double? accuracy)
    {
        for (var node = _history.Last; node is not null; node = node.Previous)
            if (node.Value.Version == version)
            {
                node.Value = node.Value with { Loss = loss ?? node.Value.Loss, Accuracy = accuracy ?? node.Value.Accuracy };
                return true;
            }
        return false;
    }

    public ConvergenceReport Analyze()
    {
        var recent = _history.Skip(Math.Max(0, _history.Count - _window)).ToList();
        int updates = recent.Sum(r => r.Updates);
        double meanStaleness = updates > 0 ? recent.Sum(r => r.MeanStaleness * r.Updates) / updates : 0;
        double meanWeight = updates > 0 ? recent.Sum(r => r.MeanStalenessWeight * r.Updates) / updates : 1;
        double impact = Math.Clamp(1 - meanWeight, 0, 1);

        double? rate = null;
        var losses = recent.Where(r => r.Loss is { } l && double.IsFinite(l)).Select(r => (x: (double)r.Version.Value, y: r.Loss!.Value)).ToList();
        if (losses.Count >= 2)
        {
            double meanLoss = losses.Average(p => p.y);
            rate = meanLoss > 0 ? -Slope(losses) / meanLoss : -Slope(losses);
        }
        else
        {
            var accuracies = recent.Where(r => r.Accuracy is { } a && double.IsFinite(a)).Select(r => (x: (double)r.Version.Value, y: r.Accuracy!.Value)).ToList();
            if (accuracies.Count >= 2) rate = Slope(accuracies);
        }

        var (assessment, recommendation) = Recommend(meanStaleness);
        return new ConvergenceReport(recent.Count, rate, impact, rate * (1 - impact), meanStaleness, assessment, recommendation);
    }

    public static (StalenessAssessment, string) Recommend(double meanStaleness) => meanStaleness switch
    {
        > HighStaleness => (StalenessAssessment.High, "Consider reducing staleness threshold or increasing aggregation frequency"),
        < LowStaleness => (StalenessAssessment.Efficient, "System operating efficiently with low staleness"),
        _ => (StalenessAssessment.Acceptable, "Staleness within acceptable range"),
    };

    private static double Slope(List<(double x, double y)> points)
    {
        double mx = points.Average(p => p.x), my = points.Average(p => p.y);
        double sxx = points.Sum(p => (p.x - mx) * (p.x - mx));
        return sxx == 0 ? 0 : points.Sum(p => (p.x - mx) * (p.y - my)) / sxx;
    }
}
