using FedActors.Benchmarks;

// The project's own bench command: dotnet run -c Release --project tests/FedActors.Benchmarks -- --out DIR [--only NAME[,NAME]] [--quick]
var options = BenchOptions.Parse(args);
if (options is null) return 2;
Directory.CreateDirectory(options.OutputDirectory);

var benchmarks = new Dictionary<string, Func<BenchOptions, BenchReport>>(StringComparer.OrdinalIgnoreCase)
{
    ["fold"] = FoldBenchmark.Run,
    ["actor_path"] = ActorPathBenchmark.Run,
    ["clients"] = ClientMemoryBenchmark.Run,
    ["kafka"] = KafkaBenchmark.Run,
    ["presence"] = PresenceBenchmark.Run,
    ["time_to_accuracy"] = TimeToAccuracyBenchmark.Run,
};

foreach (var (name, run) in benchmarks)
{
    if (options.Only.Count > 0 && !options.Only.Contains(name)) continue;
    Console.WriteLine($"== {name} ==");
    var report = run(options);
    report.Print(Console.Out);
    var path = Path.Combine(options.OutputDirectory, $"{name}.json");
    File.WriteAllText(path, report.ToJson());
    Console.WriteLine($"wrote {path}");
}
return 0;
