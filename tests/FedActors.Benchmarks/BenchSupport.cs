using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FedActors.Benchmarks;

public sealed record BenchOptions(string OutputDirectory, HashSet<string> Only, bool Quick)
{
    public static BenchOptions? Parse(string[] args)
    {
        string? output = null;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length: output = args[++i]; break;
                case "--only" when i + 1 < args.Length: only.UnionWith(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "--quick": quick = true; break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'. usage: --out DIR [--only fold,actor_path,clients,kafka,time_to_accuracy] [--quick]");
                    return null;
            }
        }
        if (output is null)
        {
            Console.Error.WriteLine("--out DIR is required: the folder the JSON results go to");
            return null;
        }
        return new BenchOptions(Path.GetFullPath(output), only, quick);
    }
}

/// <summary>A benchmark's result: named figures (written to JSON as they are) and rows for the printed table.</summary>
public sealed class BenchReport(string name)
{
    private readonly JsonObject _json = new() { ["benchmark"] = name };
    private readonly List<(string What, string Value)> _rows = [];

    public BenchReport Figure(string key, double value, string? label = null, string? unit = null)
    {
        _json[key] = value;
        if (label is not null) _rows.Add((label, Format(value, unit)));
        return this;
    }

    /// <summary>A printed row with no JSON of its own (the JSON holds the value already, e.g. through <see cref="Fact"/>).</summary>
    public BenchReport Row(string label, string value)
    {
        _rows.Add((label, value));
        return this;
    }

    public BenchReport Fact(string key, JsonNode? value)
    {
        _json[key] = value;
        return this;
    }

    public void Print(TextWriter w)
    {
        int width = _rows.Count == 0 ? 0 : _rows.Max(r => r.What.Length);
        foreach (var (what, value) in _rows) w.WriteLine($"  {what.PadRight(width)}  {value}");
    }

    public string ToJson() => _json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static string Format(double v, string? unit) => unit switch
    {
        "B/s" => $"{v / 1e9,10:F2} GB/s",
        "ratio" => $"{v,10:F3}",
        "/s" => $"{v,10:N0} /s",
        "x" => $"{v,10:F2} x",
        _ => v.ToString("G6", CultureInfo.InvariantCulture),
    };
}

public static class Measure
{
    /// <summary>Runs <paramref name="body"/> (which does <paramref name="bytesPerCall"/> bytes of work) for at least
    /// <paramref name="minimum"/> per trial and returns the median rate over the trials, in bytes/s.</summary>
    public static double BytesPerSecond(Action body, long bytesPerCall, int trials, TimeSpan minimum)
    {
        body(); // warm-up and JIT (tier-1 comes with the repeated calls below)
        var rates = new List<double>();
        for (int t = 0; t < trials + 1; t++)
        {
            long calls = 0;
            var sw = Stopwatch.StartNew();
            do { body(); calls++; } while (sw.Elapsed < minimum);
            sw.Stop();
            if (t > 0) rates.Add(calls * (double)bytesPerCall / sw.Elapsed.TotalSeconds); // the first trial finishes tiering
        }
        rates.Sort();
        return rates[rates.Count / 2];
    }

    /// <summary>
    /// Rates of a kernel and of its physical limit, measured in alternating trials so that drift on a shared machine
    /// affects both alike; the ratio is the median of the per-pair ratios.
    /// </summary>
    public static (double Ratio, double Limit, double Kernel) Paired(Action limit, long limitBytes, Action kernel, long kernelBytes, int pairs, TimeSpan each)
    {
        limit();
        kernel();
        var ratios = new List<double>();
        var limits = new List<double>();
        var kernels = new List<double>();
        for (int t = 0; t < pairs + 1; t++)
        {
            double l = Once(limit, limitBytes, each), k = Once(kernel, kernelBytes, each);
            if (t == 0) continue;   // the first pair finishes tiered compilation
            limits.Add(l);
            kernels.Add(k);
            ratios.Add(k / l);
        }
        return (Median(ratios), Median(limits), Median(kernels));
    }

    private static double Once(Action body, long bytesPerCall, TimeSpan minimum)
    {
        long calls = 0;
        var sw = Stopwatch.StartNew();
        do { body(); calls++; } while (sw.Elapsed < minimum);
        return calls * (double)bytesPerCall / sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public static JsonObject Machine() => new()
    {
        ["processor_count"] = Environment.ProcessorCount,
        ["os"] = RuntimeInformation.OSDescription,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["avx512"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
        ["avx2"] = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated,
        ["measured_at"] = DateTimeOffset.UtcNow.ToString("O"),
    };
}
