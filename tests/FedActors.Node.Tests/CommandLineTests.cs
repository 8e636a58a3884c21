using Confluent.Kafka;

namespace FedActors.Node.Tests;

/// <summary>The executable: bad input is one sentence and a non-zero exit; kafka-dev serves Kafka until SIGTERM.</summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--journal", "mysql:db", "is not sqlite:PATH or postgres:CONNECTION-STRING")]
    [InlineData("--config", "/nonexistent/async_fl.yaml", "no file /nonexistent/async_fl.yaml")]
    public async Task Bad_node_arguments_get_one_clear_sentence_and_exit_1(string option, string value, string expected)
    {
        var (code, _, stderr) = await FedActorsProcess.RunAsync(Exit, "node", option, value);
        Assert.Equal(1, code);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);   // no stack trace
    }

    [Fact]
    public async Task An_invalid_setting_in_the_environment_is_refused_with_its_key()
    {
        var p = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        p.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fedactors.dll"));
        p.ArgumentList.Add("node");
        p.Environment["AGGREGATION_BUFFER_SIZE"] = "lots";
        using var process = System.Diagnostics.Process.Start(p)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("AGGREGATION_BUFFER_SIZE=lots", stderr);
        Assert.Contains("fedactors.aggregation.buffer.size", stderr);
    }

    [Fact]
    public async Task Status_of_an_unreachable_cluster_says_so_and_exits_1()
    {
        var (code, _, stderr) = await FedActorsProcess.RunAsync(Exit, "status", "--http", $"127.0.0.1:{TestNode.FreePort()}");
        Assert.Equal(1, code);
        Assert.Contains("no FedActors node answers at", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Unknown_options_are_refused_by_the_parser()
    {
        var (code, _, stderr) = await FedActorsProcess.RunAsync(Exit, "node", "--prot", "4053");
        Assert.NotEqual(0, code);
        Assert.Contains("--prot", stderr);
    }

    [Fact]
    public async Task Kafka_dev_prints_its_bootstrap_serves_kafka_clients_and_stops_on_SIGTERM()
    {
        var ports = new[] { TestNode.FreePort(), TestNode.FreePort(), TestNode.FreePort() };
        await using var broker = FedActorsProcess.Start("kafka-dev", "--ports", string.Join(",", ports));
        string bootstrap = await broker.WaitForLine("BOOTSTRAP", TimeSpan.FromSeconds(60));
        Assert.Equal(string.Join(",", ports.Select(p => $"127.0.0.1:{p}")), bootstrap);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All }).Build())
        {
            var result = await producer.ProduceAsync("fl_client_registration", new Message<string, string> { Key = "c1", Value = "{}" });
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
        }
        broker.Terminate();
        Assert.True(await broker.WaitAsync(TimeSpan.FromSeconds(30)), "kafka-dev stops on SIGTERM");
        Assert.Equal(0, broker.ExitCode);
    }
}
