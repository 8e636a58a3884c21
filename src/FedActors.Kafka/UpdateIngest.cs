using System.Collections.Concurrent;
using System.Text;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using FedActors.Cluster.Clients;
using FedActors.Core.Validation;
using FedActors.Core.Wire;
using FedActors.Kafka.Streams;

namespace FedActors.Kafka;

public sealed record IngestSettings
{
    public string GroupId { get; init; } = "async_fl_server";
    /// <summary>Updates awaiting their result at once; acknowledgements wait for an aggregation, so this is large.</summary>
    public int MaxInFlight { get; init; } = 4096;
    /// <summary>An update with no result after this is sent again (the aggregator may have lost it in a crash).</summary>
    public TimeSpan RedeliverAfter { get; init; } = TimeSpan.FromSeconds(90);
    public int MaxMessageBytes { get; init; } = JsonWire.DefaultMaxMessageBytes;
    public int CommitBatch { get; init; } = 500;
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Counts of what the ingest did, readable while it runs.</summary>
public sealed class IngestStats
{
    private long _received, _durable, _redeliveries, _presence;
    public ConcurrentDictionary<string, long> RejectedByReason { get; } = new();
    public long Received => Interlocked.Read(ref _received);
    public long Durable => Interlocked.Read(ref _durable);
    public long Redeliveries => Interlocked.Read(ref _redeliveries);
    /// <summary>Registrations and heartbeats read from the client-registration topic.</summary>
    public long Presence => Interlocked.Read(ref _presence);
    public long Rejected => RejectedByReason.Values.Sum();
    internal void OnReceived() => Interlocked.Increment(ref _received);
    internal void OnDurable() => Interlocked.Increment(ref _durable);
    internal void OnRedelivery() => Interlocked.Increment(ref _redeliveries);
    internal void OnPresence() => Interlocked.Increment(ref _presence);
    internal void OnRejected(string reason) => RejectedByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
}

/// <summary>
/// Kafka to the aggregator, at least once: each record of the updates topic is decoded (JSON, or binary by its
/// content-type header) and submitted through the client shard region; its offset is committed only after the
/// update's one result (durable or rejected) came back, in order per partition. A record with no result in time is
/// submitted again; the aggregator's ledger folds it at most once. Every reject, malformed input or refused update,
/// is published on the system-events topic with its reason and counted; the stream goes on.
/// </summary>
public static class UpdateIngest
{
    public static (IConsumerControl Control, Task<Done> Completion) Run(ActorSystem system, IActorRef clientRegion,
        ConsumerConfig consumer, IProducer<string, byte[]> events, KafkaTopics topics, IngestSettings settings, IngestStats stats)
    {
        consumer.GroupId = settings.GroupId;
        consumer.EnableAutoCommit = false;
        consumer.EnableAutoOffsetStore = false;
        var materializer = system.Materializer();
        // The committer commits through the source's control, so the source is materialized first.
        var (control, source) = Source.FromGraph(new CommittableSource<string, byte[]>(consumer, [topics.ClientUpdates]))
            .PreMaterialize(materializer);
        // Decoding (base64, JSON) runs on the thread pool, several records at once: inline it would cap the ingest at
        // one core's decode rate. SelectAsync keeps the records' order, so each client's updates are still submitted
        // in the order they were produced.
        var completion = source
            .SelectAsync(Math.Max(2, Environment.ProcessorCount * 2), m => Task.Run(() => (Message: m, Decoded: Decode(m, settings))))
            .SelectAsync(settings.MaxInFlight, d => Process(d.Message, d.Decoded, clientRegion, events, topics, settings, stats))
            .RunWith(KafkaCommitter.Sink(control, settings.CommitBatch, settings.CommitInterval), materializer);
        return (control, completion);
    }

    private static async Task<TopicPartitionOffset> Process(CommittableMessage<string, byte[]> m,
        (DecodedUpdate? Update, WireFormatException? Error) decodedOrError, IActorRef region,
        IProducer<string, byte[]> events, KafkaTopics topics, IngestSettings settings, IngestStats stats)
    {
        stats.OnReceived();
        string source = $"{m.Record.Topic}/{m.Record.Partition.Value}@{m.Record.Offset.Value}";
        var (decoded, error) = decodedOrError;
        if (decoded is null)
        {
            Reject(events, topics, stats, error!.Reason.WireName(), error.Message, m.Record.Message.Key, null, source);
            return m.Offset;
        }

        // A W3C traceparent header starts (continues) the update's trace; it is handed on to the ClientActor and the fold.
        string? traceParent = m.Record.Message.Headers?.TryGetLastBytes("traceparent", out var tp) == true ? Encoding.ASCII.GetString(tp) : null;
        using var activity = Cluster.Telemetry.StartFrom("fl.ingest", traceParent, System.Diagnostics.ActivityKind.Consumer);
        activity?.SetTag("messaging.source", source);
        var next = Cluster.Telemetry.Next(activity, traceParent);
        var submit = (IActorRef replyTo) => new ClientProtocol.SubmitUpdate(decoded.Update, decoded.Resources, replyTo) { TraceParent = next };
        while (true)
        {
            try
            {
                switch (await region.Ask<UpdateResult>(submit, settings.RedeliverAfter, CancellationToken.None))
                {
                    case UpdateDurable:
                        stats.OnDurable();
                        return m.Offset;
                    case UpdateRejected r:
                        Reject(events, topics, stats, r.Reason.WireName(), r.Detail, decoded.Update.ClientId, null, source);
                        return m.Offset;
                }
            }
            catch (AskTimeoutException)
            {
                stats.OnRedelivery();   // no answer: the aggregator may have lost it; sending again is safe
            }
        }
    }

    private static (DecodedUpdate? Update, WireFormatException? Error) Decode(CommittableMessage<string, byte[]> m, IngestSettings settings)
    {
        try
        {
            string? contentType = m.Record.Message.Headers?.TryGetLastBytes("content-type", out var ct) == true ? Encoding.UTF8.GetString(ct) : null;
            return (UpdateCodec.Decode(contentType, m.Record.Message.Value ?? [], settings.MaxMessageBytes), null);
        }
        catch (WireFormatException e)
        {
            return (null, e);
        }
    }

    private static void Reject(IProducer<string, byte[]> events, KafkaTopics topics, IngestStats stats, string reason, string detail,
        string? clientId, long? version, string source)
    {
        stats.OnRejected(reason);
        var e = new SystemEvent("update_rejected", DateTimeOffset.UtcNow, clientId, reason, detail, version, source);
        events.Produce(topics.SystemEvents, new Message<string, byte[]> { Key = clientId ?? "unknown", Value = JsonWire.EncodeSystemEvent(e) });
    }
}
