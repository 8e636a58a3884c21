namespace FedActors.Simulation.Data;

/// <summary>
/// FedProx's Synthetic(alpha, beta) (Li et al., 2020, "Federated Optimization in Heterogeneous Networks"; the LEAF
/// synthetic generator): per client k, u_k ~ N(0, alpha), B_k ~ N(0, beta), W_k ~ N(u_k, 1) (10 x 60),
/// b_k ~ N(u_k, 1), v_k ~ N(B_k, 1) per feature, x ~ N(v_k, Sigma) with Sigma = diag(j^-1.2), and
/// y = argmax softmax(W_k x + b_k). Client sizes are lognormal(4, 2) + 50, as in the reference code, and each
/// client's data is split 90/10 into its shard and its part of the held-out test set.
/// </summary>
/// <remarks>
/// As in the reference code (numpy's <c>normal(loc, scale)</c>), alpha and beta are standard deviations. Note that
/// u_k shifts every logit of an example by the same amount (u_k * (sum_j x_j + 1)), so argmax, and therefore the
/// labels, do not depend on alpha; beta moves the clients' feature means apart and is the knob that matters.
/// </remarks>
public static class SyntheticFedProx
{
    public const int Dimension = 60;
    public const int Classes = 10;
    public const double TrainFraction = 0.9;

    public static FederatedData Generate(double alpha, double beta, int clients, int seed, int? maxSamplesPerClient = null)
    {
        if (alpha < 0 || beta < 0) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha and beta are >= 0");
        if (clients < 1) throw new ArgumentOutOfRangeException(nameof(clients));
        var rng = new Random(seed);

        var sizes = new int[clients];
        for (int k = 0; k < clients; k++)
        {
            int n = (int)Math.Min(Math.Exp(4 + 2 * rng.NextGaussian()), int.MaxValue / 2) + 50;
            sizes[k] = maxSamplesPerClient is { } cap ? Math.Min(n, cap) : n;
        }
        var u = new double[clients];
        var b = new double[clients];
        for (int k = 0; k < clients; k++) u[k] = rng.NextGaussian(0, alpha);
        for (int k = 0; k < clients; k++) b[k] = rng.NextGaussian(0, beta);
        var sigma = new double[Dimension];
        for (int j = 0; j < Dimension; j++) sigma[j] = Math.Sqrt(Math.Pow(j + 1, -1.2));

        var shards = new Dataset[clients];
        var testParts = new Dataset[clients];
        var weights = new float[Classes * Dimension];
        var bias = new float[Classes];
        var mean = new double[Dimension];
        var logits = new float[Classes];
        for (int k = 0; k < clients; k++)
        {
            for (int j = 0; j < Dimension; j++) mean[j] = rng.NextGaussian(b[k], 1);
            for (int i = 0; i < weights.Length; i++) weights[i] = (float)rng.NextGaussian(u[k], 1);
            for (int c = 0; c < Classes; c++) bias[c] = (float)rng.NextGaussian(u[k], 1);

            int n = sizes[k];
            var x = new float[n * Dimension];
            var y = new int[n];
            for (int i = 0; i < n; i++)
            {
                var row = x.AsSpan(i * Dimension, Dimension);
                for (int j = 0; j < Dimension; j++) row[j] = (float)(mean[j] + sigma[j] * rng.NextGaussian());
                for (int c = 0; c < Classes; c++)
                    logits[c] = System.Numerics.Tensors.TensorPrimitives.Dot(weights.AsSpan(c * Dimension, Dimension), row) + bias[c];
                y[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits); // softmax is monotone
            }
            var all = new Dataset(x, y, Dimension, Classes);
            int train = Math.Max(1, (int)(TrainFraction * n));
            shards[k] = all.Subset(Enumerable.Range(0, train).ToArray());
            testParts[k] = all.Subset(Enumerable.Range(train, n - train).ToArray());
        }
        var test = Dataset.Concat(testParts.Where(p => p.Count > 0).ToArray());
        return new FederatedData(FormattableString.Invariant($"synthetic({alpha},{beta})"), shards, test);
    }
}
