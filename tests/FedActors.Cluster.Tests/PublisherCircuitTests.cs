using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Core.Model;

namespace FedActors.Cluster.Tests;

/// <summary>The outside publisher is called through Akka's CircuitBreaker, whose state the aggregator reports.</summary>
public sealed class PublisherCircuitTests : IAsyncLifetime
{
    private sealed class FlakyPublisher : IModelPublisher
    {
        public volatile bool Failing = true;
        public readonly List<ModelVersion> Published = [];

        public Task PublishAsync(AggregatorProtocol.VersionPublished version, GlobalModel model, CancellationToken cancellationToken)
        {
            if (Failing) return Task.FromException(new IOException("broker unreachable"));
            lock (Published) Published.Add(version.Version);
            return Task.CompletedTask;
        }
    }

    private readonly string _dir = Directory.CreateTempSubdirectory("fedactors-breaker-").FullName;
    private readonly FlakyPublisher _publisher = new();
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(TestNode.SqliteJournal(_dir),
        "fedactors.aggregation.publisher-breaker { max-failures = 2, call-timeout = 2s, reset-timeout = 500ms }", publisher: _publisher);

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<AggregatorProtocol.Status> Status() => _node.StatusAsync();

    [Fact]
    public async Task Failures_open_the_circuit_and_the_newest_version_goes_out_once_it_recovers()
    {
        // Version 0 at start and version 1 after five updates both fail to go out: two failures open the circuit.
        var probe = Updates.Probe(_node.System);
        for (int i = 0; i < 5; i++) _node.Clients.Tell(Updates.Submit(Updates.Delta($"c{i}", 1, 0, 8), probe.Ref));
        for (int i = 0; i < 5; i++) probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10));
        await probe.AwaitAssertAsync(async () => Assert.Equal("open", (await Status()).PublisherCircuit), TimeSpan.FromSeconds(5));

        // Aggregation goes on while the circuit is open.
        for (int i = 0; i < 5; i++) _node.Clients.Tell(Updates.Submit(Updates.Delta($"d{i}", 1, 1, 8), probe.Ref));
        for (int i = 0; i < 5; i++) Assert.Equal(new ModelVersion(2), probe.ExpectMsg<UpdateDurable>(TimeSpan.FromSeconds(10)).FoldedInto);

        _publisher.Failing = false;
        await probe.AwaitAssertAsync(async () =>
        {
            Assert.Equal("closed", (await Status()).PublisherCircuit);
            lock (_publisher.Published) Assert.Equal([new ModelVersion(2)], _publisher.Published);
        }, TimeSpan.FromSeconds(10));
    }
}
