using FedActors.Core.Buffering;
using FedActors.Core.Kernels;
using FedActors.Core.Model;

namespace FedActors.Core.Strategies;

/// <summary>
/// The weighted average of the buffered clients' local models, as a step from the current model.
/// A client's local model is its base model plus its delta, so
/// <c>avg - x_t = (sum w_i delta_i) / W + sum_v (W_v / W) (x_v - x_t)</c>, where W_v is the weight of updates
/// trained from version v: one pass per distinct base version at aggregation time, none per update.
/// </summary>
internal static class ClientModelAverage
{
    public static void StepTo(UpdateBuffer buffer, GlobalModel current, ModelHistory history, float scale, Span<float> destination)
    {
        double total = buffer.TotalWeight;
        if (buffer.IsEmpty || total <= 0) { destination.Clear(); return; }
        System.Numerics.Tensors.TensorPrimitives.Multiply(buffer.WeightedDeltaSum, (float)(scale / total), destination);
        foreach (var (version, weight) in buffer.WeightByBaseVersion)
        {
            if (version == current.Version) continue;
            if (!history.TryGet(version, out var baseModel))
                throw new InvalidOperationException($"base model {version} was accepted but is no longer kept");
            VectorKernels.FoldDifference(destination, (float)(scale * weight / total), baseModel.Parameters, current.Parameters);
        }
    }
}
