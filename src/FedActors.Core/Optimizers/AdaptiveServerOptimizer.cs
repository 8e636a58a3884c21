using System.Numerics;
using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>
/// The adaptive server optimizers of Reddi et al., "Adaptive Federated Optimization" (ICLR 2021), Algorithm 2:
/// <code>
/// m_t = beta1 m_{t-1} + (1 - beta1) step
/// v_t = second moment (FedAdagrad, FedYogi or FedAdam rule)
/// x   = x + eta m_t / (sqrt(v_t) + tau)
/// </code>
/// with m_{-1} = 0 and v_{-1} = tau^2, as the paper sets them. Defaults: eta = 0.01, beta1 = 0.9, beta2 = 0.99, tau = 1e-3.
/// </summary>
public abstract class AdaptiveServerOptimizer : IServerOptimizer
{
    private float[]? _m, _v;
    private long _steps;

    protected AdaptiveServerOptimizer(PolicyParameters parameters)
    {
        LearningRate = parameters.GetPositive("learning-rate", 0.01);
        Beta1 = parameters.GetFraction("beta1", 0.9);
        Beta2 = parameters.GetFraction("beta2", 0.99);
        Tau = parameters.GetPositive("tau", 1e-3);
    }

    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Tau { get; }
    public abstract string Name { get; }

    /// <summary>v_t from v_{t-1} and step^2, on vectors.</summary>
    protected abstract Vector<float> SecondMoment(Vector<float> previous, Vector<float> squaredStep, float beta2);

    /// <summary>The same rule on one value, with the same operations in the same order (so SIMD and tail agree bit for bit).</summary>
    protected abstract float SecondMoment(float previous, float squaredStep, float beta2);

    public void Step(Span<float> model, ReadOnlySpan<float> pseudoGradient)
    {
        if (pseudoGradient.Length != model.Length) throw new ArgumentException("dimension mismatch", nameof(pseudoGradient));
        if (_m is null || _v is null)
        {
            _m = new float[model.Length];
            _v = new float[model.Length];
            Array.Fill(_v, (float)(Tau * Tau));
        }
        float b1 = (float)Beta1, oneMinusB1 = (float)(1 - Beta1), b2 = (float)Beta2, eta = (float)LearningRate, tau = (float)Tau;
        float[] m = _m, v = _v;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= model.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = new Vector<float>(pseudoGradient[i..]);
                var mi = new Vector<float>(m, i) * b1 + g * oneMinusB1;
                var vi = SecondMoment(new Vector<float>(v, i), g * g, b2);
                mi.CopyTo(m, i);
                vi.CopyTo(v, i);
                (new Vector<float>(model[i..]) + mi * eta / (Vector.SquareRoot(vi) + new Vector<float>(tau))).CopyTo(model[i..]);
            }
        for (; i < model.Length; i++)
        {
            float g = pseudoGradient[i];
            m[i] = m[i] * b1 + g * oneMinusB1;
            v[i] = SecondMoment(v[i], g * g, b2);
            model[i] = model[i] + m[i] * eta / (MathF.Sqrt(v[i]) + tau);
        }
        _steps++;
    }

    public ServerOptimizerState ExportState() => _m is null || _v is null
        ? ServerOptimizerState.Stateless(_steps)
        : new(_steps, new Dictionary<string, float[]> { ["m"] = (float[])_m.Clone(), ["v"] = (float[])_v.Clone() });

    public void ImportState(ServerOptimizerState state)
    {
        _steps = state.Steps;
        _m = state.Buffers.TryGetValue("m", out var m) ? (float[])m.Clone() : null;
        _v = state.Buffers.TryGetValue("v", out var v) ? (float[])v.Clone() : null;
        if ((_m is null) != (_v is null)) throw new ArgumentException($"{Name} state needs both 'm' and 'v'", nameof(state));
    }
}
