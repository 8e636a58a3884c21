namespace FedActors.Simulation.Data;

/// <summary>
/// Labelled examples with dense float features, row-major: example i is <c>Features[i*FeatureCount ..]</c>.
/// Immutable by convention: models and trainers only read it.
/// </summary>
public sealed class Dataset
{
    public Dataset(float[] features, int[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureCount < 1) throw new ArgumentOutOfRangeException(nameof(featureCount));
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount));
        if (features.Length != labels.Length * featureCount)
            throw new ArgumentException($"{features.Length} feature values for {labels.Length} examples of {featureCount} features");
        foreach (var y in labels)
            if ((uint)y >= (uint)classCount) throw new ArgumentException($"label {y} outside 0..{classCount - 1}");
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public float[] Features { get; }
    public int[] Labels { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public int Count => Labels.Length;

    public ReadOnlySpan<float> Example(int i) => Features.AsSpan(i * FeatureCount, FeatureCount);

    /// <summary>A copy of the examples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[indices.Length * FeatureCount];
        var labels = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            Example(indices[k]).CopyTo(features.AsSpan(k * FeatureCount, FeatureCount));
            labels[k] = Labels[indices[k]];
        }
        return new Dataset(features, labels, FeatureCount, ClassCount);
    }

    public static Dataset Concat(IReadOnlyList<Dataset> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to concatenate", nameof(parts));
        int d = parts[0].FeatureCount, c = parts[0].ClassCount;
        var features = new List<float>();
        var labels = new List<int>();
        foreach (var p in parts)
        {
            if (p.FeatureCount != d || p.ClassCount != c) throw new ArgumentException("parts differ in shape");
            features.AddRange(p.Features);
            labels.AddRange(p.Labels);
        }
        return new Dataset(features.ToArray(), labels.ToArray(), d, c);
    }

    /// <summary>Fraction of examples per class.</summary>
    public double[] LabelDistribution()
    {
        var p = new double[ClassCount];
        foreach (var y in Labels) p[y]++;
        if (Count > 0) for (int c = 0; c < ClassCount; c++) p[c] /= Count;
        return p;
    }
}

/// <summary>A federated data set: one training shard per client and a held-out test set the server evaluates on.</summary>
public sealed record FederatedData(string Name, IReadOnlyList<Dataset> Clients, Dataset Test)
{
    public int FeatureCount => Test.FeatureCount;
    public int ClassCount => Test.ClassCount;
    public long TrainingExamples => Clients.Sum(c => (long)c.Count);
}
