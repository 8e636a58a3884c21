using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Clients;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Wire;
using FedActors.Kafka;

namespace FedActors.LoadTest;

/// <summary>How simulated clients reach the cluster.</summary>
public interface IClientTransport
{
    /// <summary>True when the sender gets the update's result back (<see cref="UpdateDurable"/> or <see cref="UpdateRejected"/>).</summary>
    bool Acknowledges { get; }

    void Register(string clientId, ClientCapabilities capabilities);
    void Heartbeat(string clientId, ModelVersion? trainedOn);
    void Send(ClientUpdate update, ClientCapabilities resources, IActorRef client, Action<Exception> failed);
}

/// <summary>Straight into the client shard region, as an in-cluster test isolates the cluster from Kafka.</summary>
public sealed class DirectTransport(IActorRef region) : IClientTransport
{
    public bool Acknowledges => true;
    public void Register(string clientId, ClientCapabilities capabilities) => region.Tell(new ClientProtocol.Register(clientId, capabilities));
    public void Heartbeat(string clientId, ModelVersion? trainedOn) => region.Tell(new ClientProtocol.Heartbeat(clientId, trainedOn));
    public void Send(ClientUpdate update, ClientCapabilities resources, IActorRef client, Action<Exception> failed) =>
        region.Tell(new ClientProtocol.SubmitUpdate(update, resources, client));
}

/// <summary>Over Kafka like any outside client: the seed's JSON (or the binary format) on the updates topic, presence on the registration topic.</summary>
public sealed class KafkaTransport(IProducer<string, byte[]> producer, KafkaTopics topics, bool binary) : IClientTransport
{
    private static readonly Headers BinaryHeaders = new() { { "content-type", System.Text.Encoding.UTF8.GetBytes(BinaryWire.ContentType) } };

    public bool Acknowledges => false;

    public void Register(string clientId, ClientCapabilities capabilities) =>
        producer.Produce(topics.ClientRegistration, new Message<string, byte[]>
        {
            Key = clientId, Value = JsonWire.EncodeRegistration(new Registration(clientId, DateTimeOffset.UtcNow, capabilities)),
        });

    public void Heartbeat(string clientId, ModelVersion? trainedOn) =>
        producer.Produce(topics.ClientRegistration, new Message<string, byte[]>
        {
            Key = clientId, Value = JsonWire.EncodeHeartbeat(new Core.Wire.Heartbeat(clientId, DateTimeOffset.UtcNow, trainedOn)),
        });

    public void Send(ClientUpdate update, ClientCapabilities resources, IActorRef client, Action<Exception> failed)
    {
        var message = binary
            ? new Message<string, byte[]> { Key = update.ClientId, Value = BinaryWire.EncodeUpdate(update, DateTimeOffset.UtcNow, resources), Headers = BinaryHeaders }
            : new Message<string, byte[]> { Key = update.ClientId, Value = JsonWire.EncodeUpdate(update, DateTimeOffset.UtcNow, resources) };
        producer.Produce(topics.ClientUpdates, message, report =>
        {
            if (report.Error.IsError) failed(new KafkaException(report.Error));
        });
    }
}
