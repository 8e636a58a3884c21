using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FedActors.Node.Telemetry;

/// <summary>
/// Serves OpenTelemetry metrics as Prometheus text on the node's own HTTP port: each scrape collects the reader once
/// and writes what it exported. Names: dots become underscores, counters end in _total, seconds in _seconds.
/// (The Prometheus exporter packages served here need ASP.NET Core or their own listener on another port.)
/// </summary>
public sealed class PrometheusScrape
{
    private readonly object _gate = new();
    private readonly TextExporter _exporter = new();

    public PrometheusScrape() => Reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };

    public MetricReader Reader { get; }

    public string Scrape()
    {
        lock (_gate)
        {
            _exporter.Text = "";
            Reader.Collect(5000);
            return _exporter.Text;
        }
    }

    private sealed class TextExporter : BaseExporter<Metric>
    {
        public string Text = "";

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var text = new StringBuilder();
            foreach (var metric in batch) Write(metric, text);
            Text = text.ToString();
            return ExportResult.Success;
        }
    }

    public static string Name(Metric metric)
    {
        string name = metric.Name.Replace('.', '_').Replace('-', '_');
        if (metric.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal)) name += "_seconds";
        return name;
    }

    private static void Write(Metric metric, StringBuilder text)
    {
        string name = Name(metric);
        bool counter = metric.MetricType is MetricType.LongSum or MetricType.DoubleSum;
        bool histogram = metric.MetricType == MetricType.Histogram;
        string family = counter ? name + "_total" : name;
        text.Append("# HELP ").Append(family).Append(' ').AppendLine(metric.Description.Replace("\n", " "));
        text.Append("# TYPE ").Append(family).Append(' ').AppendLine(counter ? "counter" : histogram ? "histogram" : "gauge");
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            string labels = Labels(point.Tags, null);
            switch (metric.MetricType)
            {
                case MetricType.LongSum: Line(text, family, labels, point.GetSumLong()); break;
                case MetricType.DoubleSum: Line(text, family, labels, point.GetSumDouble()); break;
                case MetricType.LongGauge: Line(text, family, labels, point.GetGaugeLastValueLong()); break;
                case MetricType.DoubleGauge: Line(text, family, labels, point.GetGaugeLastValueDouble()); break;
                case MetricType.LongSumNonMonotonic: Line(text, family, labels, point.GetSumLong()); break;
                case MetricType.DoubleSumNonMonotonic: Line(text, family, labels, point.GetSumDouble()); break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        string le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Number(bucket.ExplicitBound);
                        Line(text, name + "_bucket", Labels(point.Tags, le), cumulative);
                    }
                    Line(text, name + "_sum", labels, point.GetHistogramSum());
                    Line(text, name + "_count", labels, point.GetHistogramCount());
                    break;
            }
        }
    }

    private static string Labels(ReadOnlyTagCollection tags, string? le)
    {
        var parts = new List<string>();
        foreach (var tag in tags)
            parts.Add($"{tag.Key.Replace('.', '_')}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\"");
        if (le is not null) parts.Add($"le=\"{le}\"");
        return parts.Count == 0 ? "" : "{" + string.Join(",", parts) + "}";
    }

    private static string Escape(string v) => v.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static void Line(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').AppendLine(double.IsNaN(value) ? "NaN" : Number(value));
    private static void Line(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append(labels).Append(' ').AppendLine(value.ToString(CultureInfo.InvariantCulture));
}
