using System.Text.Json.Nodes;
using Confluent.Kafka;
using FedActors.Core.Model;
using FedActors.Core.Wire;

namespace FedActors.Node.Tests;

/// <summary>
/// Three `fedactors node` processes on loopback with a PostgreSQL journal and a `fedactors kafka-dev` broker. Updates
/// stream in; the singleton's process is killed with SIGKILL; the aggregator resumes on another node with its version
/// intact and goes on aggregating. samples/three-node-cluster.sh does the same by hand.
/// </summary>
public sealed class MultiProcessClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Killing_the_singletons_node_moves_the_aggregator_with_its_version_intact()
    {
        string dir = Directory.CreateTempSubdirectory("fedactors-3node-").FullName;
        string config = Path.Combine(dir, "node.conf");
        File.WriteAllText(config, """
            fedactors.aggregation {
              strategy = fedbuff
              staleness { function = constant, max = 1000 }
              buffer { size = 5, time-window = 1h }
              model { dimension = 8, initial = zeros }
              tick-interval = 100ms
            }
            fedactors.kafka.consumer.auto-offset-reset = earliest
            """);
        string journal = $"postgres:{postgres.ConnectionString(await postgres.NewDatabaseAsync())}";
        var brokerPorts = new[] { TestNode.FreePort(), TestNode.FreePort(), TestNode.FreePort() };
        await using var broker = FedActorsProcess.Start("kafka-dev", "--ports", string.Join(",", brokerPorts));
        string bootstrap = await broker.WaitForLine("BOOTSTRAP", TimeSpan.FromSeconds(60));

        var akka = new[] { TestNode.FreePort(), TestNode.FreePort(), TestNode.FreePort() };
        var http = new[] { TestNode.FreePort(), TestNode.FreePort(), TestNode.FreePort() };
        string seed = $"akka.tcp://fedactors@127.0.0.1:{akka[0]}";
        var nodes = new List<FedActorsProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                nodes.Add(FedActorsProcess.Start("node", "--config", config, "--port", akka[i].ToString(), "--seed-nodes", seed,
                    "--http-port", http[i].ToString(), "--kafka", bootstrap, "--journal", journal, "--log-level", "WARNING"));
                await nodes[i].WaitForLine("HTTP", TimeSpan.FromSeconds(90));
            }
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
            async Task<JsonNode?> Status(int i)
            {
                try { return JsonNode.Parse(await client.GetStringAsync($"http://127.0.0.1:{http[i]}/fl/status")); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
            }
            await Eventually(async () => JsonNode.Parse(await client.GetStringAsync($"http://127.0.0.1:{http[0]}/cluster/members"))!["members"]!
                .AsArray().Count(m => m!["status"]!.GetValue<string>() == "Up") == 3, "three members up");

            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true }).Build();
            void Send(int fromSequence, int count)
            {
                for (int s = fromSequence; s < fromSequence + count; s++)
                    for (int c = 0; c < 10; c++)
                    {
                        var u = new ClientUpdate($"client-{c}", s, ModelVersion.Initial, UpdateKind.Delta, Enumerable.Repeat(0.01f, 8).ToArray(), 10);
                        producer.Produce("fl_client_updates_async", new Message<string, byte[]> { Key = u.ClientId, Value = JsonWire.EncodeUpdate(u, DateTimeOffset.UtcNow) });
                    }
                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            }
            Send(0, 6);   // 60 updates, buffer 5: version 12
            await Eventually(async () => (await Status(1))?["model_version"]?.GetValue<long>() == 12, "version 12 before the kill", TimeSpan.FromSeconds(90));
            var before = (await Status(1))!;
            string aggregatorNode = before["aggregator_node"]!.GetValue<string>();
            int victim = Array.FindIndex(akka, p => aggregatorNode.EndsWith($":{p}", StringComparison.Ordinal));
            Assert.True(victim >= 0, $"the aggregator runs on one of the three nodes ({aggregatorNode})");

            nodes[victim].Kill();   // SIGKILL: no leave, no shutdown
            int witness = (victim + 1) % 3;
            await Eventually(async () => await Status(witness) is { } s && s["aggregator_node"]!.GetValue<string>() != aggregatorNode
                && s["model_version"]!.GetValue<long>() >= 12, "the aggregator resumed elsewhere", TimeSpan.FromSeconds(120));
            var after = (await Status(witness))!;
            Assert.Equal(12, after["model_version"]!.GetValue<long>());   // nothing acknowledged lost, nothing replayed twice
            Assert.True(after["recovered"]!.GetValue<bool>());

            Send(6, 2);   // 20 more: 4 more versions on the new aggregator
            await Eventually(async () => (await Status(witness))?["model_version"]?.GetValue<long>() == 16, "aggregating again after fail-over", TimeSpan.FromSeconds(120));
        }
        finally
        {
            foreach (var n in nodes) await n.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        FedActors.Testing.Eventually.UntilAsync(condition, what, within, retryOn: e => e is HttpRequestException);
}
