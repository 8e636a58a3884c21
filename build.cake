// FedActors build: `dotnet tool restore && dotnet cake` runs the tests (the default target).
//   dotnet cake --target=Build
//   dotnet cake --target=Test
//   dotnet cake --target=Bench --bench-out DIR     (JSON results into DIR; see docs/benchmarks.md)
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var benchOut = Argument("bench-out", "artifacts/bench");
var benchQuick = HasArgument("quick");
var solution = "./FedActors.sln";
var testResults = MakeAbsolute(Directory("artifacts/test-results"));

Task("Restore").Does(() => DotNetRestore(solution));

Task("Build")
    .IsDependentOn("Restore")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings { Configuration = configuration, NoRestore = true }));

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(testResults);
    var failed = false;
    foreach (var project in GetFiles("./tests/**/*.Tests.csproj"))
    {
        try
        {
            DotNetTest(project.FullPath, new DotNetTestSettings
            {
                Configuration = configuration,
                NoBuild = true,
                ResultsDirectory = testResults,
                Loggers = { "console;verbosity=normal", $"trx;LogFilePrefix={project.GetFilenameWithoutExtension()}" },
            });
        }
        catch (Exception e)
        {
            Error(e.Message);
            failed = true;   // run every test project, then fail
        }
    }
    // One closing line over all projects, in the plain form CI reads.
    int passed = 0, failedCount = 0, skipped = 0;
    foreach (var trx in GetFiles($"{testResults}/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += int.Parse(counters.Attribute("passed").Value);
        failedCount += int.Parse(counters.Attribute("failed").Value);
        skipped += int.Parse(counters.Attribute("notExecuted").Value);
    }
    Console.WriteLine($"Tests: {passed} passed, {failedCount} failed, {skipped} skipped");
    if (failed || failedCount > 0) throw new Exception($"{failedCount} test(s) failed");
    if (passed == 0) throw new Exception("no test ran");
});

Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
{
    var output = MakeAbsolute(Directory(benchOut)).FullPath;
    var args = new ProcessArgumentBuilder().Append("--out").AppendQuoted(output);
    if (benchQuick) args.Append("--quick");
    DotNetRun("./tests/FedActors.Benchmarks/FedActors.Benchmarks.csproj", args,
        new DotNetRunSettings { Configuration = configuration, NoBuild = true });
    Information($"benchmark results in {output}");
});

RunTarget(target);
