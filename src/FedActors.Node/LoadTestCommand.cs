using System.CommandLine;
using FedActors.LoadTest;
using FedActors.Node.Configuration;
using Spectre.Console;

namespace FedActors.Node;

internal static partial class Commands
{
    /// <summary>
    /// `fedactors loadtest`: simulated client actors against an embedded node (dev broker, SQLite), or against a running
    /// cluster that this process joins as a member (--seed-nodes, --kafka, --journal).
    /// </summary>
    public static Command LoadTest()
    {
        var clients = new Option<int>("--clients") { Description = "registered simulated clients", DefaultValueFactory = _ => 10_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "clients training at once (the selector's concurrency; embedded node only)", DefaultValueFactory = _ => 1_000 };
        var rate = new Option<double>("--rate") { Description = "updates per second at most over all clients (0: no limit)", DefaultValueFactory = _ => 0 };
        var duration = new Option<string>("--duration") { Description = "measured window after registration (e.g. 30s, 5m)", DefaultValueFactory = _ => "30s" };
        var modelSize = new Option<int>("--model-size") { Description = "parameters per update (embedded node only)", DefaultValueFactory = _ => 1_000 };
        var transport = new Option<string>("--transport") { Description = "direct (into the shard region) | kafka (the updates topic)", DefaultValueFactory = _ => "direct" };
        var wire = new Option<string>("--wire") { Description = "with --transport kafka: binary | json", DefaultValueFactory = _ => "binary" };
        var training = new Option<string>("--training-time") { Description = "median training time of an attempt (lognormal across clients)", DefaultValueFactory = _ => "5s" };
        var strategy = new Option<string?>("--selection") { Description = "random | staleness_aware | resource_aware (embedded node only)" };
        var seeds = new Option<string?>("--seed-nodes") { Description = "join this running cluster instead of starting an embedded node" };
        var kafka = new Option<string?>("--kafka") { Description = "the cluster's Kafka bootstrap servers (with --seed-nodes)" };
        var journal = new Option<string?>("--journal") { Description = "the cluster's journal, sqlite:PATH | postgres:CONNECTION-STRING (with --seed-nodes)" };
        var heartbeat = new Option<string>("--heartbeat-interval") { Description = "how often each idle client sends a heartbeat (the seed: 60s)", DefaultValueFactory = _ => "60s" };
        var report = new Option<string?>("--report-json") { Description = "write the report as JSON to this file" };
        var dataDir = new Option<string>("--data-dir") { Description = "folder for the embedded node's SQLite journal", DefaultValueFactory = _ => "fedactors-loadtest" };
        var command = new Command("loadtest", "Drive simulated clients against a node or cluster and report throughput, latency, staleness and memory")
        {
            clients, concurrency, rate, duration, modelSize, transport, wire, training, heartbeat, strategy, seeds, kafka, journal, report, dataDir, HttpPort, ConfigFile, LogLevel,
        };
        command.SetAction((r, ct) => Guard(async () =>
        {
            int c = r.GetValue(concurrency), d = r.GetValue(modelSize);
            if (c < 0) throw new ConfigurationError("--concurrency must be >= 0 (0: no invitations, every client trains on its own)");
            if (d < 1) throw new ConfigurationError("--model-size must be at least 1");
            if (r.GetValue(wire) is not ("binary" or "json")) throw new ConfigurationError($"--wire '{r.GetValue(wire)}' is not binary or json");
            var options = new LoadTestOptions
            {
                Clients = r.GetValue(clients),
                Rate = r.GetValue(rate),
                Duration = ParseDuration(r.GetValue(duration)!, "--duration"),
                Transport = r.GetValue(transport)!,
                Binary = r.GetValue(wire) == "binary",
                MedianTrainingSeconds = ParseDuration(r.GetValue(training)!, "--training-time").TotalSeconds,
                HeartbeatInterval = ParseDuration(r.GetValue(heartbeat)!, "--heartbeat-interval"),
            };
            try { options.Validate(); }
            catch (ArgumentException e) { throw new ConfigurationError(e.Message); }

            string? seedNodes = r.GetValue(seeds);
            // The dev broker keeps 5 MiB a partition and drops older batches silently (shared/notes): updates in flight
            // over Kafka (one per training client) must stay well within what its 10 update partitions retain.
            long inFlightBytes = (long)c * d * sizeof(float);
            if (seedNodes is null && options.Transport == "kafka" && inFlightBytes > DevBrokerUpdateBudget)
                throw new ConfigurationError($"--transport kafka on the embedded dev broker: {c:N0} clients training with {d:N0} parameters put " +
                    $"{inFlightBytes / 1e6:F0} MB in flight, more than its update partitions safely retain ({DevBrokerUpdateBudget / 1e6:F0} MB); " +
                    "lower --concurrency or --model-size, use --transport direct, or point at real Kafka (--seed-nodes with --kafka)");
            var cli = new List<string>
            {
                $"akka.loglevel = {SeedEnvironment.Quote(r.GetValue(LogLevel)!.ToUpperInvariant())}",
                $"fedactors.http.port = {r.GetValue(HttpPort) ?? 0}",
            };
            NodeLaunch launch;
            if (seedNodes is null)
            {
                string dir = Path.GetFullPath(r.GetValue(dataDir)!);
                Directory.CreateDirectory(dir);
                foreach (var old in Directory.GetFiles(dir, "journal.db*")) File.Delete(old);   // each run starts from version 0
                // A load test measures the cluster, not its rejects: FedBuff with K = concurrency / 10 (its paper's ratio),
                // staleness up to 1000 accepted and not held against a client's selection. --config overrides all of it.
                var defaults = new[]
                {
                    "fedactors.kafka.consumer.auto-offset-reset = earliest",
                    $"fedactors.clients.selection.concurrency = {c}",
                    "fedactors.clients.selection.criteria.max-staleness = 1000",
                    // A dropped-out client's slot comes back after this: long past a typical attempt, short against the run.
                    $"fedactors.clients.selection.invitation-timeout = {Math.Max(30, 30 * options.MedianTrainingSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)}s",
                    "fedactors.aggregation.strategy = fedbuff",
                    "fedactors.aggregation.staleness.function = inverse_sqrt",
                    "fedactors.aggregation.staleness.max = 1000",
                    $"fedactors.aggregation.buffer.size = {Math.Max(10, c / 10)}",
                    $"fedactors.aggregation.model.dimension = {d}",
                };
                cli.Add("fedactors.kafka.bootstrap-servers = embedded");
                if (r.GetValue(strategy) is { } s) cli.Add($"fedactors.clients.selection.strategy = {SeedEnvironment.Quote(s)}");
                launch = new NodeLaunch
                {
                    Port = FreePort(),
                    ConfigOverrides = Overrides(r.GetValue(ConfigFile), cli, defaults),
                    Journal = new Cluster.Configuration.JournalSettings("sqlite", $"Data Source={Path.Combine(dir, "journal.db")}"),
                };
            }
            else
            {
                if (r.GetValue(kafka) is not { } k || r.GetValue(journal) is not { } j)
                    throw new ConfigurationError("--seed-nodes needs --kafka and --journal: this process joins the cluster as a member and may host its singletons");
                cli.Add($"fedactors.kafka.bootstrap-servers = {SeedEnvironment.Quote(k)}");
                launch = new NodeLaunch
                {
                    Port = FreePort(),
                    SeedNodes = List(seedNodes),
                    Roles = ["loadtest"],
                    ConfigOverrides = Overrides(r.GetValue(ConfigFile), cli),
                    Journal = ParseJournal(j),
                };
            }
            await using var node = await NodeHost.StartAsync(launch, ct);
            Console.WriteLine($"load test: {options.Clients:N0} clients, transport {options.Transport}, against {node.Address}{(node.HttpUrl is { } u ? $" ({u})" : "")}");
            var result = await WithProgress(options, p => LoadTestDriver.RunAsync(node.LoadTarget, options, progress: p, cancellation: ct));
            foreach (var line in result.Lines()) Console.WriteLine(line);
            if (r.GetValue(report) is { } file)
            {
                File.WriteAllText(file, result.ToJson());
                Console.WriteLine($"wrote {file}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Half of what the dev broker's 10 update partitions retain (5 MiB each).</summary>
    private const long DevBrokerUpdateBudget = 10L * 5 * 1024 * 1024 / 2;

    private static async Task<T> WithProgress<T>(LoadTestOptions options, Func<IProgress<LoadProgress>, Task<T>> run)
    {
        if (Console.IsOutputRedirected)
        {
            var last = DateTime.MinValue;
            return await run(new Progress<LoadProgress>(p =>
            {
                if (DateTime.UtcNow - last < TimeSpan.FromSeconds(5)) return;
                last = DateTime.UtcNow;
                Console.WriteLine(Describe(p));
            }));
        }
        T result = default!;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                result = await run(new Progress<LoadProgress>(p =>
                {
                    task.Description = Markup.Escape(Describe(p));
                    task.Value = p.Fraction;
                }));
                task.Value = 1;
            });
        return result;
    }

    private static string Describe(LoadProgress p) => p.Phase == "registering"
        ? $"registering {p.Fraction:P0}"
        : $"version {p.ModelVersion}  {p.FoldedPerSecond:N0} folded/s  {p.Training:N0} training  {p.Sent:N0} sent";
}
