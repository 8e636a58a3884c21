using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using FedActors.Core.Model;
using FedActors.Core.Wire;

namespace FedActors.Node.Tests;

/// <summary>A real `fedactors` node in this process: embedded dev broker, SQLite journal, HTTP on a free loopback port.</summary>
public abstract class NodeTest : IAsyncLifetime
{
    public const string Token = "test-token-4711";
    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-node-").FullName;
    protected NodeHost Node { get; private set; } = null!;
    protected HttpClient Http { get; private set; } = null!;
    protected IProducer<string, byte[]> Producer { get; private set; } = null!;

    protected virtual string Config => "";

    public async Task InitializeAsync()
    {
        int port = TestNode.FreePort(), http = TestNode.FreePort();
        Node = await NodeHost.StartAsync(new NodeLaunch
        {
            Port = port,
            Journal = TestNode.SqliteJournal(_dir),
            ConfigOverrides = $$"""
                {{TestNode.TestDefaults}}
                fedactors.kafka.bootstrap-servers = embedded
                fedactors.kafka.consumer.auto-offset-reset = earliest
                fedactors.http { port = {{http}}, token = "{{Token}}" }
                fedactors.aggregation.buffer.size = 4
                {{Config}}
                """,
        });
        Http = new HttpClient { BaseAddress = new Uri(Node.HttpUrl!), Timeout = TimeSpan.FromSeconds(30) };
        Producer = new ProducerBuilder<string, byte[]>(Node.Settings.Kafka.Producer(Node.BootstrapServers)).Build();
    }

    public async Task DisposeAsync()
    {
        Producer.Dispose();
        Http.Dispose();
        await Node.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    protected async Task SendUpdates(int clients, int each, long baseVersion = 0, int fromSequence = 0)
    {
        for (int c = 0; c < clients; c++)
            for (int s = fromSequence; s < fromSequence + each; s++)
            {
                var update = new ClientUpdate($"client-{c:D3}", s, new ModelVersion(baseVersion), UpdateKind.Delta,
                    Enumerable.Repeat(0.01f * (c + 1), 8).ToArray(), 10 + c, 0.5, 0.7);
                Producer.Produce(Node.Settings.Kafka.Topics.ClientUpdates,
                    new Message<string, byte[]> { Key = update.ClientId, Value = JsonWire.EncodeUpdate(update, DateTimeOffset.UtcNow) });
            }
        Assert.Equal(0, Producer.Flush(TimeSpan.FromSeconds(30)));
    }

    protected async Task<JsonNode> Get(string path)
    {
        using var response = await Http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    protected async Task<(int Status, JsonNode Body)> Post(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    protected static Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        FedActors.Testing.Eventually.UntilAsync(condition, what, within);
}
