using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using FedActors.Core.Model;
using FedActors.Core.Wire;

namespace FedActors.Kafka.Tests;

/// <summary>A W3C traceparent on the Kafka record starts a trace that follows the update through the ClientActor to the fold.</summary>
public sealed class TracingTests : KafkaNodeTest, IDisposable
{
    private readonly ConcurrentBag<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    protected override bool PublishesModels => false;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Cluster.Telemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _stopped.Add(a),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task One_trace_runs_from_the_Kafka_record_through_the_ClientActor_to_the_fold()
    {
        var stats = new IngestStats();
        var (control, completion) = UpdateIngest.Run(Node.System, Node.Clients, ConsumerConfig(), Producer, Topics, new IngestSettings(), stats);
        var traceId = ActivityTraceId.CreateRandom();
        string traceParent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";
        var update = new ClientUpdate("traced", 1, ModelVersion.Initial, UpdateKind.Delta, new float[8], 10);
        using (var client = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers }).Build())
        {
            await client.ProduceAsync(Topics.ClientUpdates, new Message<string, byte[]>
            {
                Key = "traced",
                Value = JsonWire.EncodeUpdate(update, DateTimeOffset.UtcNow),
                Headers = new Headers { { "traceparent", Encoding.ASCII.GetBytes(traceParent) } },
            });
        }
        // Four more untraced updates fill the buffer, so the traced one becomes durable.
        for (int i = 0; i < 4; i++)
            Producer.Produce(Topics.ClientUpdates, new Message<string, byte[]> { Key = $"u{i}", Value = JsonWire.EncodeUpdate(update with { ClientId = $"u{i}" }, DateTimeOffset.UtcNow) });
        Producer.Flush(TimeSpan.FromSeconds(10));
        await Eventually(() => stats.Durable == 5, "5 durable");
        await Eventually(() => _stopped.Any(a => a.OperationName == "fl.ingest" && a.TraceId == traceId), "the ingest span ended");

        var trace = _stopped.Where(a => a.TraceId == traceId).ToDictionary(a => a.OperationName);
        Assert.Equal(new[] { "fl.aggregator.fold", "fl.client.forward", "fl.ingest" }, trace.Keys.Order());
        Assert.Equal(trace["fl.ingest"].SpanId, trace["fl.client.forward"].ParentSpanId);
        Assert.Equal(trace["fl.client.forward"].SpanId, trace["fl.aggregator.fold"].ParentSpanId);
        Assert.Equal("accepted", trace["fl.aggregator.fold"].GetTagItem("fl.verdict"));
        Assert.Equal("traced", trace["fl.aggregator.fold"].GetTagItem("fl.client_id"));
        Assert.DoesNotContain(_stopped, a => a.TraceId != traceId && a.OperationName == "fl.aggregator.fold");   // untraced updates make no spans
        await control.DrainAndShutdownAsync(completion);
    }

    public void Dispose() => _listener.Dispose();
}
