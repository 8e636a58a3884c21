using System.Numerics.Tensors;
using FedActors.Simulation.Data;

namespace FedActors.Simulation.Models;

/// <summary>
/// Multinomial logistic regression. Parameters: W (classes x features, row-major: one row per class, so a logit is
/// one SIMD dot product and a gradient row one SIMD axpy), then b (classes). Initial parameters are zeros.
/// </summary>
public sealed class LogisticRegression(int featureCount, int classCount) : IClassifier
{
    public string Name => "logistic_regression";
    public int FeatureCount { get; } = featureCount;
    public int ClassCount { get; } = classCount;
    public int Dimension => ClassCount * FeatureCount + ClassCount;

    public float[] InitialParameters(int seed) => new float[Dimension];

    public BatchStats AccumulateGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        Check(parameters, data);
        int d = FeatureCount;
        var biasGradient = gradient.Slice(ClassCount * d, ClassCount);
        Span<float> logits = stackalloc float[ClassCount];
        var stats = default(BatchStats);
        foreach (int i in batch)
        {
            var x = data.Example(i);
            int y = data.Labels[i];
            stats += Forward(parameters, x, y, logits);
            logits[y] -= 1f; // d loss / d logit = p - onehot(y)
            for (int c = 0; c < ClassCount; c++)
            {
                float g = logits[c];
                var row = gradient.Slice(c * d, d);
                TensorPrimitives.MultiplyAdd(x, g, row, row);
                biasGradient[c] += g;
            }
        }
        return stats;
    }

    public BatchStats Evaluate(ReadOnlySpan<float> parameters, Dataset data)
    {
        Check(parameters, data);
        Span<float> logits = stackalloc float[ClassCount];
        var stats = default(BatchStats);
        for (int i = 0; i < data.Count; i++) stats += Forward(parameters, data.Example(i), data.Labels[i], logits);
        return stats;
    }

    private BatchStats Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int y, Span<float> logits)
    {
        int d = FeatureCount;
        var bias = parameters.Slice(ClassCount * d, ClassCount);
        for (int c = 0; c < ClassCount; c++) logits[c] = TensorPrimitives.Dot(parameters.Slice(c * d, d), x) + bias[c];
        double loss = SoftmaxCrossEntropy.Probabilities(logits, y, out bool correct);
        return new BatchStats(loss, correct ? 1 : 0, 1);
    }

    private void Check(ReadOnlySpan<float> parameters, Dataset data)
    {
        if (parameters.Length != Dimension) throw new ArgumentException($"{parameters.Length} parameters, the model has {Dimension}");
        if (data.FeatureCount != FeatureCount || data.ClassCount != ClassCount)
            throw new ArgumentException($"data has {data.FeatureCount} features and {data.ClassCount} classes, the model {FeatureCount} and {ClassCount}");
    }
}
