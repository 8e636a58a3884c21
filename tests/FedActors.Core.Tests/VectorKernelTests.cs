using FedActors.Core.Kernels;

namespace FedActors.Core.Tests;

public class VectorKernelTests
{
    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(7)] [InlineData(15)] [InlineData(16)] [InlineData(17)]
    [InlineData(63)] [InlineData(64)] [InlineData(65)] [InlineData(1000)] [InlineData(1_000_003)]
    public void Fold_matches_the_scalar_loop_on_every_length(int n)
    {
        var rng = new Random(n);
        var acc = TestUpdates.Random(rng, n);
        var u = TestUpdates.Random(rng, n);
        var expected = (float[])acc.Clone();
        var fused = (float[])acc.Clone();
        VectorKernels.FoldScalar(expected, 0.37f, u);
        VectorKernels.Fold(fused, 0.37f, u);
        for (int i = 0; i < n; i++)
        {
            // FMA rounds once, the scalar loop twice: they agree to within one rounding of the result.
            double exact = (double)acc[i] + 0.37 * u[i];
            Assert.Equal(exact, fused[i], 1e-6);
            Assert.Equal(expected[i], fused[i], 1e-6);
        }
    }

    [Theory]
    [InlineData(1)] [InlineData(33)] [InlineData(4099)]
    public void Fold_difference_folds_the_delta_from_the_base(int n)
    {
        var rng = new Random(n);
        var acc = TestUpdates.Random(rng, n);
        var u = TestUpdates.Random(rng, n);
        var b = TestUpdates.Random(rng, n);
        var result = (float[])acc.Clone();
        VectorKernels.FoldDifference(result, -1.5f, u, b);
        for (int i = 0; i < n; i++)
            Assert.Equal(acc[i] + -1.5 * (u[i] - b[i]), result[i], 1e-5);
    }

    [Theory]
    [InlineData(1, 1)] [InlineData(5, 3)] [InlineData(4095, 3)] [InlineData(4097, 17)] [InlineData(20_011, 12)] [InlineData(20_011, 37)]
    public void Fold_many_is_bit_identical_to_folding_one_after_another(int n, int terms)
    {
        var rng = new Random(n + terms);
        var acc = TestUpdates.Random(rng, n);
        var list = Enumerable.Range(0, terms).Select(k => new FoldTerm((float)rng.NextDouble() - 0.5f, TestUpdates.Random(rng, n),
            k % 3 == 1 ? TestUpdates.Random(rng, n) : default)).ToArray();
        var sequential = (float[])acc.Clone();
        foreach (var t in list)
            if (t.Baseline.IsEmpty) VectorKernels.Fold(sequential, t.Weight, t.Update.Span);
            else VectorKernels.FoldDifference(sequential, t.Weight, t.Update.Span, t.Baseline.Span);
        VectorKernels.FoldMany(acc, list);
        Assert.Equal(sequential, acc);
    }

    [Fact]
    public void A_mismatched_dimension_is_refused()
    {
        Assert.Throws<ArgumentException>(() => VectorKernels.Fold(new float[3], 1f, new float[4]));
        Assert.Throws<ArgumentException>(() => VectorKernels.FoldDifference(new float[3], 1f, new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => VectorKernels.FoldMany(new float[3], [new FoldTerm(1f, new float[3]), new FoldTerm(1f, new float[4])]));
    }

    [Theory]
    [InlineData(1)] [InlineData(31)] [InlineData(64)] [InlineData(100_003)]
    public void Squared_norms_match_a_double_precision_sum(int n)
    {
        var rng = new Random(n);
        var x = TestUpdates.Random(rng, n);
        var y = TestUpdates.Random(rng, n);
        double sx = x.Sum(v => (double)v * v), sd = x.Zip(y, (a, b) => ((double)a - b) * ((double)a - b)).Sum();
        Assert.Equal(sx, VectorKernels.SumOfSquares(x), sx * 1e-5);
        Assert.Equal(sd, VectorKernels.SquaredDistance(x, y), sd * 1e-5);
    }

    [Fact]
    public void Sum_of_squares_is_non_finite_when_any_value_is()
    {
        var v = new float[1025];
        v[3] = 3; v[1000] = 4;
        Assert.Equal(25f, VectorKernels.SumOfSquares(v));
        v[1024] = float.NaN;
        Assert.False(float.IsFinite(VectorKernels.SumOfSquares(v)));
        v[1024] = float.NegativeInfinity;
        Assert.False(float.IsFinite(VectorKernels.SumOfSquares(v)));
        Assert.False(VectorKernels.AllFinite(v));
    }
}
