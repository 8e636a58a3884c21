using Akka.Actor;
using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Core.Model;
using FedActors.Core.Wire;
using FedActors.Kafka;

namespace FedActors.Node;

/// <summary>What the simulated clients of `fedactors run` have done so far.</summary>
public sealed class DemoProgress
{
    private long _sent, _failed;
    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    internal void OnSent() => Interlocked.Increment(ref _sent);
    internal void OnFailed() => Interlocked.Increment(ref _failed);
    public double? LastLoss { get; internal set; }
}

/// <summary>
/// Simulated clients for the embedded run, speaking the seed's JSON over Kafka like any outside client: each reads the
/// current global model, trains locally on its own data (least squares on a private, non-IID shard: a real objective
/// whose optimum is known), and produces a delta update with its next sequence number. Clients differ in speed, so
/// their updates arrive with real staleness.
/// </summary>
public sealed class DemoClients(IProducer<string, byte[]> producer, KafkaTopics topics, IActorRef aggregator, int clients, int dimension, int seed = 7)
{
    public DemoProgress Progress { get; } = new();

    public async Task RunAsync(CancellationToken stop)
    {
        var rng = new Random(seed);
        var optimum = Enumerable.Range(0, dimension).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var tasks = Enumerable.Range(0, clients).Select(i => Client(i, optimum, new Random(seed * 1000 + i), stop)).ToList();
        await Task.WhenAll(tasks);
    }

    private async Task Client(int index, float[] optimum, Random rng, CancellationToken stop)
    {
        string id = $"demo-client-{index:D5}";
        // Each client's own optimum: the global one plus a client-specific shift (non-IID data).
        var target = optimum.Select(o => o + (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray();
        double speed = Math.Exp(rng.NextDouble() * 2 - 1);   // lognormal-ish spread: some clients are stragglers
        long sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var model = await aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(10), stop);
                var local = (float[])model.Parameters.Clone();
                double loss = 0;
                for (int epoch = 0; epoch < 5; epoch++)
                {
                    loss = 0;
                    for (int j = 0; j < local.Length; j++)
                    {
                        float g = local[j] - target[j];
                        loss += 0.5 * g * g;
                        local[j] -= 0.2f * g;
                    }
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200 / speed + rng.Next(0, 100)), stop);   // training and network time
                var delta = new float[local.Length];
                for (int j = 0; j < delta.Length; j++) delta[j] = local[j] - model.Parameters[j];
                var update = new ClientUpdate(id, sequence++, model.Version, UpdateKind.Delta, delta, 100 + index % 50, loss / local.Length, null);
                await producer.ProduceAsync(topics.ClientUpdates, new Message<string, byte[]> { Key = id, Value = JsonWire.EncodeUpdate(update, DateTimeOffset.UtcNow) }, stop);
                Progress.OnSent();
                Progress.LastLoss = loss / local.Length;
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e) when (e is AskTimeoutException or KafkaException)
            {
                Progress.OnFailed();   // the aggregator is moving or Kafka is busy: try again shortly
                try { await Task.Delay(500, stop); } catch (OperationCanceledException) { return; }
            }
        }
    }
}
