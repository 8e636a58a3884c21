using FedActors.Core.Kernels;
using FedActors.Core.Policies;

namespace FedActors.Core.Optimizers;

/// <summary>
/// <c>x &lt;- x + lr * step</c>. With lr = 1 after FedAvg this is plain FedAvg; lr is FedBuff's server learning rate.
/// </summary>
[PolicyName("sgd", "fedavg")]
public sealed class ServerSgd : IServerOptimizer
{
    private long _steps;

    public ServerSgd(PolicyParameters parameters) => LearningRate = parameters.GetPositive("learning-rate", 1.0);

    public double LearningRate { get; }
    public string Name => "sgd";

    public void Step(Span<float> model, ReadOnlySpan<float> pseudoGradient)
    {
        VectorKernels.Fold(model, (float)LearningRate, pseudoGradient);
        _steps++;
    }

    public ServerOptimizerState ExportState() => ServerOptimizerState.Stateless(_steps);
    public void ImportState(ServerOptimizerState state) => _steps = state.Steps;
}
