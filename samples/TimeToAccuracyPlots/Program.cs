using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

// Plots the time_to_accuracy benchmark: accuracy vs simulated time for the methods, and their staleness histograms.
// usage: dotnet run --project samples/TimeToAccuracyPlots -- [time_to_accuracy.json] [output-dir]
var input = args.Length > 0 ? args[0] : Path.Combine("artifacts", "bench", "time_to_accuracy.json");
if (!File.Exists(input))
{
    Console.Error.WriteLine($"{input} not found: run the benchmark first (dotnet run -c Release --project tests/FedActors.Benchmarks -- --out artifacts/bench --only time_to_accuracy)");
    return 2;
}
var output = args.Length > 1 ? args[1] : Path.GetDirectoryName(Path.GetFullPath(input))!;
Directory.CreateDirectory(output);
var root = JsonNode.Parse(File.ReadAllText(input))!.AsObject();
var methods = root["methods"]!.AsObject();

var accuracyPath = Path.Combine(output, "accuracy_vs_time.svg");
File.WriteAllText(accuracyPath, Plots.AccuracyVsTime(root, methods));
var stalenessPath = Path.Combine(output, "staleness_histogram.svg");
File.WriteAllText(stalenessPath, Plots.StalenessHistograms(methods));
Console.WriteLine($"wrote {accuracyPath}\nwrote {stalenessPath}");
return 0;

internal static class Plots
{
    private static readonly (string Key, string Label, string Color, string Dash)[] Series =
    [
        ("fedbuff", "FedBuff", "#d62728", ""),
        ("fedasync", "FedAsync (best alpha)", "#1f77b4", ""),
        ("seed", "seed staleness-aware FedAvg", "#2ca02c", ""),
        ("sync", "sync FedAvg (best cohort/deadline)", "#000000", ""),
        ("sync_wait_for_slowest", "sync FedAvg, waits for the slowest", "#7f7f7f", "6,4"),
    ];

    private const int Width = 900, Height = 540, Left = 70, Right = 30, Top = 50, Bottom = 60;

    /// <summary>Accuracy against simulated time, log time axis (the methods differ by multiples), with the target.</summary>
    public static string AccuracyVsTime(JsonObject root, JsonObject methods)
    {
        double target = root["target_accuracy"]!.GetValue<double>();
        var curves = Series.Where(s => methods.ContainsKey(s.Key)).Select(s =>
        {
            var series = methods[s.Key]!["series"]!;
            var t = series["time_s"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var a = series["accuracy"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            return (s, Points: t.Zip(a).Where(p => p.First > 0).ToArray());
        }).ToArray();
        double tMin = curves.SelectMany(c => c.Points).Min(p => p.First), tMax = curves.SelectMany(c => c.Points).Max(p => p.First);
        double aMin = Math.Max(0, Math.Floor(curves.SelectMany(c => c.Points).Where(p => p.First >= tMin * 10).Min(p => p.Second) * 10) / 10), aMax = 1.0;
        double X(double t) => Left + (Math.Log10(t) - Math.Log10(tMin)) / (Math.Log10(tMax) - Math.Log10(tMin)) * (Width - Left - Right);
        double Y(double a) => Top + (aMax - Math.Clamp(a, aMin, aMax)) / (aMax - aMin) * (Height - Top - Bottom);

        var svg = Begin($"Test accuracy vs simulated time: {root["task"]} (target {F(target)})");
        for (int e = (int)Math.Floor(Math.Log10(tMin)); e <= (int)Math.Ceiling(Math.Log10(tMax)); e++)
        {
            double t = Math.Pow(10, e);
            if (t < tMin || t > tMax) continue;
            svg.Append($"<line x1='{F(X(t))}' y1='{Top}' x2='{F(X(t))}' y2='{Height - Bottom}' stroke='#ddd'/>");
            svg.Append($"<text x='{F(X(t))}' y='{Height - Bottom + 18}' text-anchor='middle'>{t.ToString("N0", CultureInfo.InvariantCulture)}</text>");
        }
        for (double a = aMin; a <= aMax + 1e-9; a += 0.05)
        {
            svg.Append($"<line x1='{Left}' y1='{F(Y(a))}' x2='{Width - Right}' y2='{F(Y(a))}' stroke='#eee'/>");
            svg.Append($"<text x='{Left - 8}' y='{F(Y(a) + 4)}' text-anchor='end'>{a:0.00}</text>");
        }
        svg.Append($"<line x1='{Left}' y1='{F(Y(target))}' x2='{Width - Right}' y2='{F(Y(target))}' stroke='#999' stroke-dasharray='2,3'/>");
        svg.Append($"<text x='{Width / 2}' y='{Height - 15}' text-anchor='middle'>simulated time (s, log scale)</text>");
        svg.Append($"<text transform='translate(18,{Height / 2}) rotate(-90)' text-anchor='middle'>test accuracy</text>");
        int legend = 0;
        foreach (var (s, points) in curves)
        {
            var path = string.Join(' ', points.Select((p, i) => $"{(i == 0 ? 'M' : 'L')}{F(X(p.First))},{F(Y(p.Second))}"));
            svg.Append($"<path d='{path}' fill='none' stroke='{s.Color}' stroke-width='1.6' stroke-dasharray='{s.Dash}'/>");
            var ttt = methods[s.Key]!["time_to_target_s"];
            string when = ttt is null ? "never" : $"{ttt.GetValue<double>():N0} s";
            double ly = Height - Bottom - 20 - 18 * (curves.Length - 1 - legend++);
            svg.Append($"<line x1='{Width - Right - 330}' y1='{F(ly - 4)}' x2='{Width - Right - 305}' y2='{F(ly - 4)}' stroke='{s.Color}' stroke-width='2' stroke-dasharray='{s.Dash}'/>");
            svg.Append($"<text x='{Width - Right - 300}' y='{F(ly)}'>{Escape(s.Label)}: target at {when}</text>");
        }
        return End(svg);
    }

    /// <summary>One histogram per async method (sync updates are never stale), binned so each has at most 50 bars.</summary>
    public static string StalenessHistograms(JsonObject methods)
    {
        var keys = new[] { "fedbuff", "fedasync", "seed" }.Where(methods.ContainsKey).ToArray();
        int panelHeight = 160;
        var svg = Begin("Staleness of the updates that reached the server (versions behind)", Height: Top + keys.Length * (panelHeight + 50));
        for (int k = 0; k < keys.Length; k++)
        {
            var style = Series.First(s => s.Key == keys[k]);
            var pairs = methods[keys[k]]!["staleness_histogram"]!.AsArray()
                .Select(p => (S: p![0]!.GetValue<long>(), N: p[1]!.GetValue<long>())).ToArray();
            long total = pairs.Sum(p => p.N);
            // Cut the long tail at the 99th percentile; the last bar holds everything above.
            long cut = 0, seen = 0;
            foreach (var (s, n) in pairs) { seen += n; cut = s; if (seen >= 0.99 * total) break; }
            long binWidth = Math.Max(1, (cut + 50) / 50);
            int bins = (int)(cut / binWidth) + 2;
            var counts = new long[bins];
            foreach (var (s, n) in pairs) counts[Math.Min(bins - 1, (int)(s / binWidth))] += n;
            double top = Top + k * (panelHeight + 50), max = Math.Max(1, counts.Max());
            double barWidth = (Width - Left - Right) / (double)bins;
            svg.Append($"<text x='{Left}' y='{F(top + 12)}'>{Escape(style.Label)}: {total:N0} updates, mean {methods[keys[k]]!["mean_staleness"]!.GetValue<double>():F1}</text>");
            for (int b = 0; b < bins; b++)
            {
                double h = counts[b] / max * (panelHeight - 20);
                svg.Append($"<rect x='{F(Left + b * barWidth)}' y='{F(top + panelHeight - h)}' width='{F(Math.Max(1, barWidth - 1))}' height='{F(h)}' fill='{style.Color}'/>");
            }
            foreach (int b in new[] { 0, bins / 2, bins - 1 })
            {
                string label = b == bins - 1 ? $"≥{(long)b * binWidth}" : $"{(long)b * binWidth}";
                svg.Append($"<text x='{F(Left + (b + 0.5) * barWidth)}' y='{F(top + panelHeight + 16)}' text-anchor='middle'>{label}</text>");
            }
        }
        return End(svg);
    }

    private static StringBuilder Begin(string title, int Height = Height)
    {
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns='http://www.w3.org/2000/svg' width='{Width}' height='{Height}' viewBox='0 0 {Width} {Height}' font-family='sans-serif' font-size='12'>");
        svg.Append($"<rect width='{Width}' height='{Height}' fill='white'/>");
        svg.Append($"<text x='{Width / 2}' y='25' text-anchor='middle' font-size='15'>{Escape(title)}</text>");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
