using FedActors.Simulation.Data;

namespace FedActors.Simulation.Models;

/// <summary>Summed loss and correct predictions over some examples (sums, so batches add up).</summary>
public readonly record struct BatchStats(double LossSum, int Correct, int Count)
{
    public double MeanLoss => Count == 0 ? 0 : LossSum / Count;
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
    public static BatchStats operator +(BatchStats a, BatchStats b) => new(a.LossSum + b.LossSum, a.Correct + b.Correct, a.Count + b.Count);
}

/// <summary>
/// A classifier whose parameters are one flat float vector: the vector FedActors aggregates. Trained with softmax
/// cross-entropy. Implementations are stateless; parameters and scratch space are passed in.
/// </summary>
public interface IClassifier
{
    string Name { get; }
    int FeatureCount { get; }
    int ClassCount { get; }
    int Dimension { get; }

    /// <summary>Deterministic for a seed.</summary>
    float[] InitialParameters(int seed);

    /// <summary>
    /// Adds the gradient of the summed cross-entropy over <paramref name="batch"/> to <paramref name="gradient"/>
    /// and returns the loss and accuracy of the parameters before the step.
    /// </summary>
    BatchStats AccumulateGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient);

    /// <summary>Loss and accuracy over the whole of <paramref name="data"/>.</summary>
    BatchStats Evaluate(ReadOnlySpan<float> parameters, Dataset data);
}

/// <summary>Softmax cross-entropy on one example's logits, numerically stable.</summary>
internal static class SoftmaxCrossEntropy
{
    /// <summary>Turns <paramref name="logits"/> into probabilities in place; returns the loss for label <paramref name="label"/>.</summary>
    public static double Probabilities(Span<float> logits, int label, out bool correct)
    {
        int argmax = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
        correct = argmax == label;
        double max = logits[argmax], sum = 0;
        for (int c = 0; c < logits.Length; c++) sum += Math.Exp(logits[c] - max);
        double logSumExp = max + Math.Log(sum);
        double loss = logSumExp - logits[label];
        for (int c = 0; c < logits.Length; c++) logits[c] = (float)Math.Exp(logits[c] - logSumExp);
        return loss;
    }
}
