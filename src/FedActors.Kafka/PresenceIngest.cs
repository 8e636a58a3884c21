using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using FedActors.Cluster.Clients;
using FedActors.Core.Wire;
using FedActors.Kafka.Streams;

namespace FedActors.Kafka;

/// <summary>
/// The client-registration topic to the ClientActors: the seed's registration message (it has "capabilities") and
/// heartbeats (client_id, timestamp, model_version) on the same topic. Presence is soft state, rebuilt by the next
/// heartbeat, so a message is told to its ClientActor and its offset committed at once (at most once is enough).
/// A message that does not decode is counted and published on the system-events topic with its reason.
/// </summary>
public static class PresenceIngest
{
    public static (IConsumerControl Control, Task<Done> Completion) Run(ActorSystem system, IActorRef clientRegion,
        ConsumerConfig consumer, IProducer<string, byte[]> events, KafkaTopics topics, IngestStats stats)
    {
        consumer.GroupId = $"{consumer.GroupId}-presence";
        consumer.EnableAutoCommit = false;
        consumer.EnableAutoOffsetStore = false;
        var materializer = system.Materializer();
        var (control, source) = Source.FromGraph(new CommittableSource<string, byte[]>(consumer, [topics.ClientRegistration])).PreMaterialize(materializer);
        var completion = source
            .Select(m =>
            {
                string where = $"{m.Record.Topic}/{m.Record.Partition.Value}@{m.Record.Offset.Value}";
                try
                {
                    clientRegion.Tell(Decode(m.Record.Message.Value ?? []));
                    stats.OnPresence();
                }
                catch (WireFormatException e)
                {
                    stats.OnRejected(e.Reason.WireName());
                    var reject = new SystemEvent("presence_rejected", DateTimeOffset.UtcNow, m.Record.Message.Key, e.Reason.WireName(), e.Message, null, where);
                    events.Produce(topics.SystemEvents, new Message<string, byte[]> { Key = m.Record.Message.Key ?? "unknown", Value = JsonWire.EncodeSystemEvent(reject) });
                }
                return m.Offset;
            })
            .RunWith(KafkaCommitter.Sink(control), materializer);
        return (control, completion);
    }

    /// <summary>A registration if it carries capabilities, else a heartbeat.</summary>
    public static IClientMessage Decode(byte[] value)
    {
        if (value.AsSpan().IndexOf("\"capabilities\""u8) >= 0)
        {
            var r = JsonWire.DecodeRegistration(value);
            return new ClientProtocol.Register(r.ClientId, r.Capabilities);
        }
        var h = JsonWire.DecodeHeartbeat(value);
        return new ClientProtocol.Heartbeat(h.ClientId, h.ModelVersion);
    }
}
