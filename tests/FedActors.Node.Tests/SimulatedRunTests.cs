using System.Text.Json.Nodes;

namespace FedActors.Node.Tests;

/// <summary>
/// `fedactors run` and `fedactors loadtest` as a user runs them: real processes, embedded dev broker and SQLite,
/// simulated client actors over Kafka; the JSON they write is checked against what must hold.
/// </summary>
public sealed class SimulatedRunTests : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromMinutes(4);
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_learns_the_synthetic_task_over_Kafka_and_reports_held_out_accuracy()
    {
        string summary = Path.Combine(_dir, "summary.json");
        var (code, stdout, stderr) = await FedActorsProcess.RunAsync(Exit, "run", "--duration", "12s", "--clients", "12", "--training-time", "100ms",
            "--http-port", "0", "--data-dir", Path.Combine(_dir, "data"), "--summary-json", summary);
        Assert.True(code == 0, $"exit {code}: {stdout}{stderr}");
        var s = JsonNode.Parse(File.ReadAllText(summary))!;
        Assert.Equal("synthetic", s["task"]!.GetValue<string>());
        Assert.True(s["model_version"]!.GetValue<long>() >= 3, $"versions: {s}");
        Assert.Equal(0, s["updates_rejected"]!.GetValue<long>());
        Assert.True(s["final_accuracy"]!.GetValue<double>() > s["initial_accuracy"]!.GetValue<double>() + 0.1, $"learned: {s}");
        Assert.True(s["evaluated_version"]!.GetValue<long>() >= 1);
        Assert.Contains("test accuracy", stdout);
    }

    [Fact]
    public async Task Loadtest_over_Kafka_reports_throughput_latency_staleness_and_memory()
    {
        string report = Path.Combine(_dir, "load.json");
        var (code, stdout, stderr) = await FedActorsProcess.RunAsync(Exit, "loadtest", "--clients", "500", "--concurrency", "50", "--duration", "6s",
            "--training-time", "100ms", "--transport", "kafka", "--wire", "json", "--model-size", "100", "--data-dir", Path.Combine(_dir, "load"),
            "--report-json", report);
        Assert.True(code == 0, $"exit {code}: {stdout}{stderr}");
        var r = JsonNode.Parse(File.ReadAllText(report))!;
        Assert.Equal(500, r["clients"]!.GetValue<int>());
        Assert.Equal("json", r["wire"]!.GetValue<string>());
        Assert.Equal(500, r["registration"]!["known"]!.GetValue<int>());
        var updates = r["updates"]!;
        Assert.True(updates["folded"]!.GetValue<long>() > 0, $"folded: {updates}");
        Assert.Equal(0, updates["rejected_by_aggregator_in_window"]!.GetValue<long>());
        Assert.True(r["latency_ms"]!["sent_to_folded"]!["count"]!.GetValue<int>() > 0);
        Assert.True(r["latency_ms"]!["sent_to_broadcast"]!["p50"]!.GetValue<double>() > 0);
        Assert.True(r["client_behaviour"]!["invitations_received"]!.GetValue<long>() >= updates["folded"]!.GetValue<long>() / 2);
        Assert.True(r["memory"]!["server_bytes_per_registered_client"]!.GetValue<double>() > 0);
        Assert.Contains("registered", stdout);
    }

    [Fact]
    public async Task Loadtest_joins_a_running_node_and_a_second_run_is_folded_too()
    {
        var brokerPorts = new[] { TestNode.FreePort(), TestNode.FreePort(), TestNode.FreePort() };
        await using var broker = FedActorsProcess.Start("kafka-dev", "--ports", string.Join(",", brokerPorts));
        string bootstrap = await broker.WaitForLine("BOOTSTRAP", TimeSpan.FromSeconds(60));
        int akka = TestNode.FreePort();
        string journal = $"sqlite:{Path.Combine(_dir, "cluster.db")}";
        await using var node = FedActorsProcess.Start("node", "--port", akka.ToString(), "--http-port", "0", "--kafka", bootstrap, "--journal", journal,
            "--log-level", "WARNING");
        await node.WaitForLine("KAFKA", TimeSpan.FromSeconds(90));
        // Twice with the same client ids: the second run's updates must be folded, not taken for the first run's.
        for (int run = 1; run <= 2; run++)
        {
            string report = Path.Combine(_dir, $"join-{run}.json");
            var (code, stdout, stderr) = await FedActorsProcess.RunAsync(Exit, "loadtest", "--clients", "300", "--duration", "5s", "--training-time", "100ms",
                "--seed-nodes", $"akka.tcp://fedactors@127.0.0.1:{akka}", "--kafka", bootstrap, "--journal", journal, "--report-json", report);
            Assert.True(code == 0, $"run {run}: exit {code}: {stdout}{stderr}");
            var updates = JsonNode.Parse(File.ReadAllText(report))!["updates"]!;
            Assert.True(updates["folded"]!.GetValue<long>() > 0, $"run {run} folded nothing: {updates}");
            // The node runs the seed's defaults (max staleness 10): a straggler's stale update may be refused, nothing else.
            Assert.All(updates["aggregator_rejects_by_reason"]!.AsObject(), r => Assert.Equal("staleness_above_maximum", r.Key));
            Assert.Equal(0, updates["rejected_at_clients_by_reason"]!.AsObject().Count(r => r.Key != "staleness_above_maximum"));
        }
        node.Terminate();
        broker.Terminate();
    }

    [Theory]
    [InlineData("--transport", "carrier-pigeon", "is not direct or kafka")]
    [InlineData("--wire", "xml", "is not binary or json")]
    [InlineData("--clients", "0", "--clients must be at least 1")]
    public async Task Loadtest_refuses_bad_options_in_one_sentence(string option, string value, string expected)
    {
        var (code, _, stderr) = await FedActorsProcess.RunAsync(Exit, "loadtest", option, value, "--data-dir", Path.Combine(_dir, "bad"));
        Assert.Equal(1, code);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Run_refuses_an_unknown_task_naming_the_known_ones()
    {
        var (code, _, stderr) = await FedActorsProcess.RunAsync(Exit, "run", "--task", "cifar", "--data-dir", Path.Combine(_dir, "bad"));
        Assert.Equal(1, code);
        Assert.Contains("--task 'cifar' is not one of synthetic, mnist_logreg, mnist_mlp", stderr);
    }
}
