using System.Numerics.Tensors;
using FedActors.Simulation.Data;

namespace FedActors.Simulation.Models;

/// <summary>
/// One hidden layer with ReLU. Parameters: W1 (hidden x features), b1 (hidden), W2 (classes x hidden), b2 (classes),
/// row-major so that each unit is one SIMD dot product forward and one SIMD axpy backward. Weights start at
/// He-scaled seeded normals (std sqrt(2 / fan_in)), biases at zero.
/// </summary>
public sealed class Mlp : IClassifier
{
    private const int MaxStackFloats = 4096;

    public Mlp(int featureCount, int hiddenCount, int classCount)
    {
        if (hiddenCount < 1) throw new ArgumentOutOfRangeException(nameof(hiddenCount));
        FeatureCount = featureCount;
        HiddenCount = hiddenCount;
        ClassCount = classCount;
    }

    public string Name => "mlp";
    public int FeatureCount { get; }
    public int HiddenCount { get; }
    public int ClassCount { get; }
    public int Dimension => HiddenCount * FeatureCount + HiddenCount + ClassCount * HiddenCount + ClassCount;

    private int B1 => HiddenCount * FeatureCount;
    private int W2 => B1 + HiddenCount;
    private int B2 => W2 + ClassCount * HiddenCount;

    public float[] InitialParameters(int seed)
    {
        var rng = new Random(seed);
        var p = new float[Dimension];
        double s1 = Math.Sqrt(2.0 / FeatureCount), s2 = Math.Sqrt(2.0 / HiddenCount);
        for (int i = 0; i < B1; i++) p[i] = (float)(s1 * rng.NextGaussian());
        for (int i = W2; i < B2; i++) p[i] = (float)(s2 * rng.NextGaussian());
        return p;
    }

    public BatchStats AccumulateGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        Check(parameters, data);
        int d = FeatureCount, h = HiddenCount;
        Span<float> scratch = 3 * h + ClassCount <= MaxStackFloats ? stackalloc float[3 * h + ClassCount] : new float[3 * h + ClassCount];
        var pre = scratch[..h];
        var hidden = scratch.Slice(h, h);
        var dHidden = scratch.Slice(2 * h, h);
        var logits = scratch.Slice(3 * h, ClassCount);
        var gB1 = gradient.Slice(B1, h);
        var gB2 = gradient.Slice(B2, ClassCount);
        var stats = default(BatchStats);
        foreach (int i in batch)
        {
            var x = data.Example(i);
            int y = data.Labels[i];
            stats += Forward(parameters, x, y, pre, hidden, logits);
            logits[y] -= 1f;
            dHidden.Clear();
            for (int c = 0; c < ClassCount; c++)
            {
                float g = logits[c];
                var gRow = gradient.Slice(W2 + c * h, h);
                TensorPrimitives.MultiplyAdd(hidden, g, gRow, gRow);
                TensorPrimitives.MultiplyAdd(parameters.Slice(W2 + c * h, h), g, dHidden, dHidden);
                gB2[c] += g;
            }
            for (int j = 0; j < h; j++)
            {
                if (pre[j] <= 0f) continue; // ReLU: no gradient through an inactive unit
                float g = dHidden[j];
                var gRow = gradient.Slice(j * d, d);
                TensorPrimitives.MultiplyAdd(x, g, gRow, gRow);
                gB1[j] += g;
            }
        }
        return stats;
    }

    public BatchStats Evaluate(ReadOnlySpan<float> parameters, Dataset data)
    {
        Check(parameters, data);
        int h = HiddenCount;
        Span<float> scratch = 2 * h + ClassCount <= MaxStackFloats ? stackalloc float[2 * h + ClassCount] : new float[2 * h + ClassCount];
        var stats = default(BatchStats);
        for (int i = 0; i < data.Count; i++)
            stats += Forward(parameters, data.Example(i), data.Labels[i], scratch[..h], scratch.Slice(h, h), scratch.Slice(2 * h, ClassCount));
        return stats;
    }

    private BatchStats Forward(ReadOnlySpan<float> p, ReadOnlySpan<float> x, int y, Span<float> pre, Span<float> hidden, Span<float> logits)
    {
        int d = FeatureCount, h = HiddenCount;
        for (int j = 0; j < h; j++) pre[j] = TensorPrimitives.Dot(p.Slice(j * d, d), x) + p[B1 + j];
        TensorPrimitives.Max(pre, 0f, hidden);
        for (int c = 0; c < ClassCount; c++) logits[c] = TensorPrimitives.Dot(p.Slice(W2 + c * h, h), hidden) + p[B2 + c];
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
