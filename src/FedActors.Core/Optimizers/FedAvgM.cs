using System.Numerics;
using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>
/// Server momentum (Hsu et al., 2019): <c>m &lt;- beta m + step; x &lt;- x + lr m</c>; lr = 1, momentum = 0.9 by default.
/// </summary>
[PolicyName("fedavgm")]
public sealed class FedAvgM : IServerOptimizer
{
    private float[]? _momentum;
    private long _steps;

    public FedAvgM(PolicyParameters parameters)
    {
        LearningRate = parameters.GetPositive("learning-rate", 1.0);
        Momentum = parameters.GetFraction("momentum", 0.9);
    }

    public double LearningRate { get; }
    public double Momentum { get; }
    public string Name => "fedavgm";

    public void Step(Span<float> model, ReadOnlySpan<float> pseudoGradient)
    {
        var m = _momentum ??= new float[model.Length];
        float beta = (float)Momentum, lr = (float)LearningRate;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= model.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var mi = new Vector<float>(m, i) * beta + new Vector<float>(pseudoGradient[i..]);
                mi.CopyTo(m, i);
                (new Vector<float>(model[i..]) + mi * lr).CopyTo(model[i..]);
            }
        for (; i < model.Length; i++)
        {
            m[i] = m[i] * beta + pseudoGradient[i];
            model[i] = model[i] + m[i] * lr;
        }
        _steps++;
    }

    public ServerOptimizerState ExportState() =>
        new(_steps, _momentum is null ? new Dictionary<string, float[]>() : new Dictionary<string, float[]> { ["m"] = (float[])_momentum.Clone() });

    public void ImportState(ServerOptimizerState state)
    {
        _steps = state.Steps;
        _momentum = state.Buffers.TryGetValue("m", out var m) ? (float[])m.Clone() : null;
    }
}
