using System.Numerics.Tensors;
using FedActors.Simulation.Data;
using FedActors.Simulation.Models;

namespace FedActors.Simulation.Learning;

/// <summary>What a client does with the model it receives: minibatch SGD for <see cref="Epochs"/> passes over its shard.</summary>
public sealed record LocalTrainingSettings(int Epochs = 1, float LearningRate = 0.05f, int BatchSize = 10)
{
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "epochs must be >= 1");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning rate must be > 0");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be >= 1");
    }
}

/// <summary>A client's trained model and what it saw while training (loss and accuracy over its last epoch, before each step).</summary>
public sealed record LocalResult(float[] Parameters, double TrainingLoss, double TrainingAccuracy, int Steps);

/// <summary>Minibatch SGD on one shard. Deterministic given the random source (it only shuffles).</summary>
public static class LocalTrainer
{
    public static LocalResult Train(IClassifier model, ReadOnlySpan<float> initial, Dataset shard, LocalTrainingSettings settings, Random rng)
    {
        settings.Validate();
        if (shard.Count == 0) throw new ArgumentException("a client trains on at least one example", nameof(shard));
        var parameters = initial.ToArray();
        var gradient = new float[model.Dimension];
        var order = Enumerable.Range(0, shard.Count).ToArray();
        BatchStats lastEpoch = default;
        int steps = 0;
        for (int epoch = 0; epoch < settings.Epochs; epoch++)
        {
            rng.Shuffle(order.AsSpan());
            var stats = default(BatchStats);
            for (int from = 0; from < order.Length; from += settings.BatchSize)
            {
                var batch = order.AsSpan(from, Math.Min(settings.BatchSize, order.Length - from));
                Array.Clear(gradient);
                stats += model.AccumulateGradient(parameters, shard, batch, gradient);
                // Mean gradient over the batch: parameters -= lr / |batch| * sum of gradients.
                TensorPrimitives.MultiplyAdd(gradient, -settings.LearningRate / batch.Length, parameters, parameters);
                steps++;
            }
            lastEpoch = stats;
        }
        return new LocalResult(parameters, lastEpoch.MeanLoss, lastEpoch.Accuracy, steps);
    }
}
