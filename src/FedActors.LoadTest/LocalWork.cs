using FedActors.Core.Model;
using FedActors.Simulation.Data;
using FedActors.Simulation.Learning;

namespace FedActors.LoadTest;

/// <summary>What a simulated client's update is: the delta it sends, trained (or not) from the global parameters.</summary>
public readonly record struct LocalResult(float[] Delta, long NumSamples, double? TrainingLoss, double? TrainingAccuracy);

/// <summary>How a simulated client produces its update from the global model it was given.</summary>
public interface ILocalWork
{
    int Dimension { get; }

    /// <summary>True when <see cref="Produce"/> needs the global parameters (the client downloads the model first).</summary>
    bool NeedsModel { get; }

    /// <summary>Called on the thread pool; must be safe to call from many clients at once.</summary>
    LocalResult Produce(int client, long attempt, float[]? global);
}

/// <summary>
/// Load-test work: no training, a fixed small delta of the model's size per client slot (shared, read-only arrays, so a
/// million clients cost no payload memory until they send). The cluster's work per update is the same as for a real one.
/// </summary>
public sealed class SyntheticWork : ILocalWork
{
    private readonly float[][] _deltas;
    private readonly Func<int, long> _samples;

    public SyntheticWork(int dimension, Func<int, long> samples, int variants = 16, int seed = 7)
    {
        Dimension = dimension;
        _samples = samples;
        var rng = new Random(seed);
        _deltas = Enumerable.Range(0, variants).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)(rng.NextDouble() - 0.5) * 1e-3f).ToArray()).ToArray();
    }

    public int Dimension { get; }
    public bool NeedsModel => false;

    public LocalResult Produce(int client, long attempt, float[]? global) =>
        new(_deltas[(int)((client + attempt) % _deltas.Length)], _samples(client), null, null);
}

/// <summary>Real learning: the client trains the task's model on its own shard, from the global parameters, and sends the difference.</summary>
public sealed class LearningWork(ILearningTask task, LocalTrainingSettings training, int seed = 7) : ILocalWork
{
    public ILearningTask Task { get; } = task;
    public int Dimension => Task.Dimension;
    public bool NeedsModel => true;
    public Dataset Shard(int client) => Task.Clients[client % Task.Clients.Count];

    public LocalResult Produce(int client, long attempt, float[]? global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var shard = Shard(client);
        var rng = new Random(Simulation.Randomness.Derive(seed, 0x7EA1, client, attempt));
        var result = Task.Train(global, shard, training, rng);
        var delta = result.Parameters;
        System.Numerics.Tensors.TensorPrimitives.Subtract(delta, global, delta);
        return new LocalResult(delta, shard.Count, result.TrainingLoss, result.TrainingAccuracy);
    }
}

/// <summary>The held-out test set of a task as the cluster's evaluator.</summary>
public sealed class TaskEvaluator(ILearningTask task) : Cluster.Evaluation.IModelEvaluator
{
    public (double Loss, double Accuracy) Evaluate(float[] parameters)
    {
        var e = task.Evaluate(parameters);
        return (e.Loss, e.Accuracy);
    }
}
