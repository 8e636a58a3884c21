using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;

namespace FedActors.Kafka.Streams;

/// <summary>Commits processed offsets in batches: whichever comes first, <paramref name="maxBatch"/> offsets or <paramref name="interval"/>.</summary>
public static class KafkaCommitter
{
    public static Sink<TopicPartitionOffset, Task<Done>> Sink(IConsumerControl control, int maxBatch = 500, TimeSpan? interval = null) =>
        Flow.Create<TopicPartitionOffset>()
            .GroupedWithin(maxBatch, interval ?? TimeSpan.FromSeconds(1))
            .SelectAsync(1, async batch =>
            {
                await control.CommitAsync(batch.ToList());
                return NotUsed.Instance;
            })
            .ToMaterialized(Akka.Streams.Dsl.Sink.Ignore<NotUsed>(), Keep.Right);
}
