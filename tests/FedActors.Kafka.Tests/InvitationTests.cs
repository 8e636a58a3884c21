using Akka.Actor;
using System.Text;
using Confluent.Kafka;
using FedActors.Core.Wire;

namespace FedActors.Kafka.Tests;

/// <summary>
/// Plain Kafka clients register and heartbeat on the registration topic; the selector invites as many as the
/// concurrency allows, on the invitations topic, with the seed's selection criteria; bad presence messages are counted.
/// </summary>
public sealed class InvitationTests : KafkaNodeTest
{
    protected override string? NodeConfig => """
        fedactors.clients.selection {
          strategy = resource_aware
          parameters { exploration = 0 }
          concurrency = 2
          fill-interval = 20ms
          criteria { min-samples = 100, max-staleness = 3 }
        }
        """;

    [Fact]
    public async Task Registered_clients_are_invited_on_the_topic_up_to_the_concurrency()
    {
        var stats = new IngestStats();
        var (control, completion) = PresenceIngest.Run(Node.System, Node.Clients, ConsumerConfig("server"), Producer, Topics, stats);
        using (var clients = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Broker.BootstrapServers }).Build())
        {
            for (int i = 0; i < 6; i++)
            {
                var registration = new Registration($"phone-{i}", DateTimeOffset.UtcNow, new Core.Clients.ClientCapabilities(CpuCores: i + 1, MemoryGb: 4, GpuAvailable: false));
                clients.Produce(Topics.ClientRegistration, new Message<string, byte[]> { Key = registration.ClientId, Value = JsonWire.EncodeRegistration(registration) });
            }
            clients.Produce(Topics.ClientRegistration, new Message<string, byte[]> { Key = "phone-9", Value = JsonWire.EncodeHeartbeat(new Heartbeat("phone-9", DateTimeOffset.UtcNow, null)) });
            clients.Produce(Topics.ClientRegistration, new Message<string, byte[]> { Key = "broken", Value = "{\"client_id\": 7}"u8.ToArray() });
            clients.Flush(TimeSpan.FromSeconds(10));
        }

        using var consumer = new ConsumerBuilder<string, byte[]>(ConsumerConfig("phones")).Build();
        consumer.Subscribe(Topics.ClientInvitations);
        var invitations = new List<InvitationMessage>();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (invitations.Count < 2 && DateTime.UtcNow < until)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r) invitations.Add(JsonWire.DecodeInvitation(r.Message.Value));

        Assert.Equal(2, invitations.Count);
        Assert.All(invitations, i =>
        {
            Assert.Equal("resource_aware", i.SelectionStrategy);
            Assert.Equal((100, 3), (i.MinSamples, i.MaxStaleness));
            Assert.Equal(0, i.ModelVersion.Value);
            Assert.True(i.ReportBy > i.Timestamp);
        });
        Assert.Equal(2, invitations.Select(i => i.ClientId).Distinct().Count());
        await Eventually(() => stats.Presence == 7 && stats.RejectedByReason.GetValueOrDefault("invalid_field") == 1, "presence read, the broken one rejected");
        var status = await Node.Selector.Ask<Cluster.Selection.SelectionProtocol.SelectionStatus>(new Cluster.Selection.SelectionProtocol.GetSelection(), TimeSpan.FromSeconds(10));
        Assert.Equal((2, 7), (status.Training, status.Known));
        Assert.Equal(2, status.Invitations);

        await control.DrainAndShutdownAsync(completion);
    }
}
