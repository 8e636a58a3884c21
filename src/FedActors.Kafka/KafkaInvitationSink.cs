using Confluent.Kafka;
using FedActors.Cluster.Selection;
using FedActors.Core.Wire;

namespace FedActors.Kafka;

/// <summary>Writes each invitation to the client-invitations topic as JSON, keyed by client id (a client reads its own partition's).</summary>
public sealed class KafkaInvitationSink(IProducer<string, byte[]> producer, KafkaTopics topics) : IInvitationSink
{
    public void Send(SelectionProtocol.InvitationsIssued issued)
    {
        foreach (var i in issued.Invitations)
        {
            var message = new InvitationMessage(i.ClientId, i.Version, i.At, i.Deadline, issued.Strategy, issued.Criteria.MinSamples, issued.Criteria.MaxStaleness);
            // Produce is asynchronous and batched by librdkafka; a failed delivery is only logged by the producer: a lost
            // invitation costs a slot until its deadline, never an update.
            producer.Produce(topics.ClientInvitations, new Message<string, byte[]> { Key = i.ClientId, Value = JsonWire.EncodeInvitation(message) });
        }
    }
}
