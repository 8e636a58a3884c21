using FedActors.Core.Convergence;
using FedActors.Core.Model;

namespace FedActors.Core.Tests;

public class ConvergenceAnalyzerTests
{
    [Theory]
    [InlineData(10.5, StalenessAssessment.High, "Consider reducing staleness threshold or increasing aggregation frequency")]
    [InlineData(10.0, StalenessAssessment.Acceptable, "Staleness within acceptable range")]
    [InlineData(2.0, StalenessAssessment.Acceptable, "Staleness within acceptable range")]
    [InlineData(1.9, StalenessAssessment.Efficient, "System operating efficiently with low staleness")]
    public void Recommendations_follow_the_seed_thresholds(double meanStaleness, StalenessAssessment assessment, string text)
    {
        var (a, r) = ConvergenceAnalyzer.Recommend(meanStaleness);
        Assert.Equal(assessment, a);
        Assert.Equal(text, r);
    }

    [Fact]
    public void Rate_is_the_relative_loss_decrease_per_version_and_staleness_discounts_it()
    {
        var analyzer = new ConvergenceAnalyzer(window: 5);
        // Loss 2.0, 1.9, ... falls by 0.1 a version; mean over the window is 1.8, so the rate is 0.1 / 1.8.
        for (int v = 1; v <= 5; v++)
            analyzer.Record(new VersionRecord(new ModelVersion(v), DateTimeOffset.UnixEpoch, Updates: 10,
                MeanStaleness: 3, MeanStalenessWeight: 0.8, Loss: 2.0 - 0.1 * (v - 1)));
        var report = analyzer.Analyze();
        Assert.Equal(5, report.VersionsAnalyzed);
        Assert.Equal(0.1 / 1.8, report.ConvergenceRate!.Value, 9);
        Assert.Equal(0.2, report.StalenessImpact, 9);
        Assert.Equal(0.1 / 1.8 * 0.8, report.AdjustedConvergence!.Value, 9);
        Assert.Equal(3, report.MeanStaleness, 9);
        Assert.Equal(StalenessAssessment.Acceptable, report.Assessment);
    }

    [Fact]
    public void Only_the_window_counts_and_evaluation_fills_in_later()
    {
        var analyzer = new ConvergenceAnalyzer(window: 2, historyLimit: 3);
        for (int v = 1; v <= 4; v++)
            analyzer.Record(new VersionRecord(new ModelVersion(v), DateTimeOffset.UnixEpoch, 1, MeanStaleness: v * 10, MeanStalenessWeight: 1));
        Assert.Equal(3, analyzer.History.Count);
        Assert.Null(analyzer.Analyze().ConvergenceRate);
        Assert.True(analyzer.RecordEvaluation(new ModelVersion(3), loss: null, accuracy: 0.5));
        Assert.True(analyzer.RecordEvaluation(new ModelVersion(4), loss: null, accuracy: 0.7));
        Assert.False(analyzer.RecordEvaluation(new ModelVersion(1), 1, 1));   // dropped out of the history
        var report = analyzer.Analyze();
        Assert.Equal(0.2, report.ConvergenceRate!.Value, 9);                   // accuracy gain per version
        Assert.Equal(35, report.MeanStaleness, 9);
        Assert.Equal(StalenessAssessment.High, report.Assessment);
    }
}
