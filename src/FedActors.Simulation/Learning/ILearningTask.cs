using FedActors.Simulation.Data;
using FedActors.Simulation.Models;

namespace FedActors.Simulation.Learning;

/// <summary>The global model's loss and accuracy on the held-out test set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);

/// <summary>
/// A federated learning problem: clients' shards, a held-out test set, a model whose parameters are the flat vector
/// FedActors aggregates, and how a client trains it.
/// </summary>
public interface ILearningTask
{
    string Name { get; }
    int Dimension { get; }
    IReadOnlyList<Dataset> Clients { get; }
    Dataset Test { get; }

    /// <summary>A fresh copy each call.</summary>
    float[] InitialParameters();

    LocalResult Train(ReadOnlySpan<float> parameters, Dataset clientShard, LocalTrainingSettings settings, Random rng);

    Evaluation Evaluate(ReadOnlySpan<float> parameters);
}

/// <summary>A task made of a data set and a classifier.</summary>
public sealed class LearningTask(string name, FederatedData data, IClassifier model, int initSeed = 1) : ILearningTask
{
    private readonly float[] _initial = model.InitialParameters(initSeed);

    public string Name { get; } = name;
    public FederatedData Data { get; } = data;
    public IClassifier Model { get; } = model;
    public int Dimension => Model.Dimension;
    public IReadOnlyList<Dataset> Clients => Data.Clients;
    public Dataset Test => Data.Test;

    public float[] InitialParameters() => (float[])_initial.Clone();

    public LocalResult Train(ReadOnlySpan<float> parameters, Dataset clientShard, LocalTrainingSettings settings, Random rng) =>
        LocalTrainer.Train(Model, parameters, clientShard, settings, rng);

    public Evaluation Evaluate(ReadOnlySpan<float> parameters)
    {
        var stats = Model.Evaluate(parameters, Test);
        return new Evaluation(stats.MeanLoss, stats.Accuracy);
    }
}
