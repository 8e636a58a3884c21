using FedActors.Core.Optimizers;
using FedActors.Core.Policies;

namespace FedActors.Core.Tests;

/// <summary>The update rules of Reddi et al. (2021), Algorithm 2, and of server momentum, checked step by step.</summary>
public class ServerOptimizerTests
{
    [Fact]
    public void FedAdam_first_step_by_hand()
    {
        // g = 1, eta = 0.01, beta1 = 0.9, beta2 = 0.99, tau = 1e-3, v_{-1} = tau^2:
        // m = 0.1; v = 0.99e-6 + 0.01 = 0.01000099; x = 0 + 0.01 * 0.1 / (sqrt(v) + 1e-3)
        var opt = ServerOptimizers.Create("fedadam");
        var x = new float[] { 0 };
        opt.Step(x, [1f]);
        Assert.Equal(0.01 * 0.1 / (Math.Sqrt(0.01000099) + 1e-3), x[0], 1e-7);
    }

    [Fact]
    public void FedYogi_first_step_by_hand()
    {
        // v = tau^2 - (1 - beta2) g^2 sign(tau^2 - g^2) = 1e-6 + 0.01 * 4 (g = 2)
        var opt = ServerOptimizers.Create("fedyogi");
        var x = new float[] { 1 };
        opt.Step(x, [2f]);
        Assert.Equal(1 + 0.01 * 0.2 / (Math.Sqrt(1e-6 + 0.04) + 1e-3), x[0], 1e-6);
    }

    [Fact]
    public void FedAdagrad_first_step_by_hand()
    {
        // v = tau^2 + g^2 = 1e-6 + 9 (g = -3); m = -0.3
        var opt = ServerOptimizers.Create("fedadagrad");
        var x = new float[] { 0 };
        opt.Step(x, [-3f]);
        Assert.Equal(0.01 * -0.3 / (Math.Sqrt(9.000001) + 1e-3), x[0], 1e-7);
    }

    [Theory]
    [InlineData("fedadam")] [InlineData("fedyogi")] [InlineData("fedadagrad")] [InlineData("fedavgm")] [InlineData("sgd")]
    public void Ten_steps_follow_the_published_rule_on_every_coordinate(string name)
    {
        var parameters = name is "fedavgm" or "sgd"
            ? PolicyParameters.Of(("learning-rate", 0.7))
            : PolicyParameters.Of(("learning-rate", 0.05), ("beta1", 0.8), ("beta2", 0.95), ("tau", 0.01));
        var opt = ServerOptimizers.Create(name, parameters);
        const int n = 37;                 // not a multiple of any vector width: exercises the tail
        var rng = new Random(7);
        var x = TestUpdates.Random(rng, n);
        var reference = new Reference(name, x, 0.05, 0.8, 0.95, 0.01, 0.7, momentum: 0.9);
        for (int t = 0; t < 10; t++)
        {
            var g = TestUpdates.Random(rng, n, 3f);
            if (t == 4) g[5] = 0;         // a zero step exercises sign(0) in Yogi
            opt.Step(x, g);
            reference.Step(g);
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(reference.X[i] - x[i]) <= 1e-5 * Math.Max(1, Math.Abs(reference.X[i])),
                    $"{name} step {t} coordinate {i}: {x[i]} vs {reference.X[i]}");
        }
    }

    [Theory]
    [InlineData("fedadam")] [InlineData("fedavgm")]
    public void Exported_state_lets_another_instance_continue_identically(string name)
    {
        var a = ServerOptimizers.Create(name);
        var rng = new Random(3);
        var x = TestUpdates.Random(rng, 20);
        a.Step(x, TestUpdates.Random(rng, 20));
        var b = ServerOptimizers.Create(name);
        b.ImportState(a.ExportState());
        var g = TestUpdates.Random(rng, 20);
        var xa = (float[])x.Clone();
        var xb = (float[])x.Clone();
        a.Step(xa, g);
        b.Step(xb, g);
        Assert.Equal(xa, xb);
        Assert.Equal(2, b.ExportState().Steps);
    }

    /// <summary>The rules written out in double precision, independently of the SIMD code.</summary>
    private sealed class Reference(string name, float[] x0, double eta, double b1, double b2, double tau, double lr, double momentum)
    {
        public readonly double[] X = x0.Select(v => (double)v).ToArray();
        private readonly double[] _m = new double[x0.Length];
        private readonly double[] _v = Enumerable.Repeat(tau * tau, x0.Length).ToArray();

        public void Step(float[] g)
        {
            for (int i = 0; i < X.Length; i++)
            {
                double d = g[i];
                switch (name)
                {
                    case "sgd": X[i] += lr * d; break;
                    case "fedavgm": _m[i] = momentum * _m[i] + d; X[i] += lr * _m[i]; break;
                    default:
                        _m[i] = b1 * _m[i] + (1 - b1) * d;
                        _v[i] = name switch
                        {
                            "fedadagrad" => _v[i] + d * d,
                            "fedyogi" => _v[i] - (1 - b2) * d * d * Math.Sign(_v[i] - d * d),
                            _ => b2 * _v[i] + (1 - b2) * d * d,
                        };
                        X[i] += eta * _m[i] / (Math.Sqrt(_v[i]) + tau);
                        break;
                }
            }
        }
    }
}
