using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Core.Model;
using FedActors.Core.Wire;

namespace FedActors.Kafka;

/// <summary>
/// Publishes each new version on the model topic as the seed's broadcast JSON, keyed "global" (the topic is compacted
/// on real Kafka, so a new client reads the latest version first). Called by the aggregator through its circuit breaker.
/// global_loss and global_accuracy are the newest held-out evaluation when an evaluator runs; without one they are the
/// mean of what the folded clients reported on their own training data.
/// </summary>
public sealed class KafkaModelPublisher(IProducer<string, byte[]> producer, KafkaTopics topics, long minSamples = 100, long maxStaleness = 10)
    : IModelPublisher
{
    public async Task PublishAsync(AggregatorProtocol.VersionPublished version, GlobalModel model, CancellationToken cancellationToken)
    {
        var info = version.Info;
        var broadcast = new ModelBroadcast(model.Version, DateTimeOffset.UtcNow, info.NumClientsParticipated, info.Method,
            version.LatestEvaluation?.Loss ?? info.MeanTrainingLoss, version.LatestEvaluation?.Accuracy ?? info.MeanTrainingAccuracy,
            model.Parameters, minSamples, maxStaleness);
        var message = new Message<string, byte[]>
        {
            Key = "global",
            Value = JsonWire.EncodeBroadcast(broadcast),
            Headers = new Headers { { "content-type", "application/json"u8.ToArray() } },
        };
        await producer.ProduceAsync(topics.GlobalModel, message, cancellationToken);
    }
}
