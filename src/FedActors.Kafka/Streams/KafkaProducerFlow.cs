using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;

namespace FedActors.Kafka.Streams;

/// <summary>A record to produce and what to hand on once Kafka has it.</summary>
public sealed record ProducerEnvelope<TKey, TValue, TPass>(string Topic, Message<TKey, TValue> Message, TPass PassThrough);

/// <summary>The delivery report of one record, with its pass-through.</summary>
public sealed record ProducerResult<TKey, TValue, TPass>(DeliveryResult<TKey, TValue> Delivery, TPass PassThrough);

public static class KafkaProducerFlow
{
    /// <summary>
    /// Produces each record and emits its delivery report in order, up to <paramref name="parallelism"/> in flight. A
    /// failed delivery (after the producer's own retries) fails the stream: the caller decides whether to restart.
    /// </summary>
    public static Flow<ProducerEnvelope<TKey, TValue, TPass>, ProducerResult<TKey, TValue, TPass>, NotUsed> Create<TKey, TValue, TPass>(
        IProducer<TKey, TValue> producer, int parallelism = 256) =>
        Flow.Create<ProducerEnvelope<TKey, TValue, TPass>>()
            .SelectAsync(parallelism, async e => new ProducerResult<TKey, TValue, TPass>(await producer.ProduceAsync(e.Topic, e.Message), e.PassThrough));

    /// <summary>The seed's producer settings: acks=all, idempotent, three retries' worth of patience.</summary>
    public static ProducerConfig SeedConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        MessageTimeoutMs = 120_000,
        CompressionType = CompressionType.Lz4,
        MessageMaxBytes = 64 << 20,
    };
}
