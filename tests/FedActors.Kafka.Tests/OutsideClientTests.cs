using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using FedActors.Core.Wire;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;

namespace FedActors.Kafka.Tests;

/// <summary>
/// A client that is not FedActors: Debian's kcat (its own librdkafka) produces the seed's JSON, and reads the new
/// versions back from the model topic. .ci/run installs kcat.
/// </summary>
public sealed class OutsideClientTests : KafkaNodeTest
{

    [Fact]
    public async Task Kcat_produces_the_seeds_JSON_and_reads_the_model_topic()
    {
        var stats = new IngestStats();
        var (control, completion) = UpdateIngest.Run(Node.System, Node.Clients, ConsumerConfig(), Producer, Topics, new IngestSettings(), stats);

        // One JSON document a line, "key|value", exactly as the seed writes it (no "sequence": the timestamp stands in).
        string weights = JsonWire.ToBase64(new float[] { 0.5f, 0, 0, 0, 0, 0, 0, -0.5f });
        var lines = Enumerable.Range(1, 5).Select(i =>
            $"client_00{i}|{{\"client_id\": \"client_00{i}\", \"timestamp\": \"2025-06-01T10:30:0{i}Z\", \"model_version\": 0, " +
            $"\"update_type\": \"delta\", \"data\": {{\"weights\": \"{weights}\", \"num_samples\": 1000, \"training_loss\": 0.234, " +
            $"\"training_accuracy\": 0.876}}, \"metadata\": {{\"training_duration\": 45.2, \"staleness\": 0, " +
            $"\"client_resources\": {{\"cpu_cores\": 4, \"memory_gb\": 8, \"gpu_available\": false}}}}}}");
        var produced = await Kcat($"-P -b {Broker.BootstrapServers} -t {Topics.ClientUpdates} -K |", string.Join('\n', lines) + "\n");
        Assert.Equal(0, produced.ExitCode);

        await Eventually(() => stats.Durable == 5, "5 durable");

        // Read the model topic from the beginning with kcat and parse what it printed.
        var read = await Kcat($"-C -b {Broker.BootstrapServers} -t {Topics.GlobalModel} -o beginning -e -q", null);
        Assert.Equal(0, read.ExitCode);
        var versions = read.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(new long[] { 0, 1 }, versions.Select(v => v.GetProperty("model_version").GetInt64()));
        var latest = versions[^1];
        Assert.Equal(5, latest.GetProperty("aggregation_info").GetProperty("num_clients_participated").GetInt32());
        Assert.Equal(0.234, latest.GetProperty("aggregation_info").GetProperty("global_loss").GetDouble(), 9);
        var model = JsonWire.FromBase64(latest.GetProperty("model_data").GetString()!);
        Assert.Equal(8, model.Length);
        await control.DrainAndShutdownAsync(completion);
    }

    private static async Task<(int ExitCode, string Output)> Kcat(string arguments, string? input)
    {
        var start = new ProcessStartInfo("kcat", arguments) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("kcat is not installed; install it with: apt-get install -y kcat (.ci/run does)");
        }
        using (process)
        {
            if (input is not null) await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000)) { process.Kill(); throw new TimeoutException($"kcat {arguments} did not finish"); }
            if (process.ExitCode != 0) throw new InvalidOperationException($"kcat {arguments} exited {process.ExitCode}: {await error}");
            return (process.ExitCode, await output);
        }
    }

}
