using System.Globalization;
using FedActors.Core.Kernels;
using FedActors.Core.Model;

namespace FedActors.Core.Validation;

/// <summary>
/// Decides whether an update may be folded. Pure: it reads the model, history and ledger and changes nothing.
/// Cheap metadata checks come first; the one pass over the parameters (finiteness and norm together) comes last.
/// </summary>
public sealed class UpdateValidator(ValidationLimits limits, bool strategyReadsBaseModels = false)
{
    public ValidationLimits Limits { get; } = limits;

    /// <summary>Whether the strategy reads the base model of every update (then every kind needs its base kept).</summary>
    public bool StrategyReadsBaseModels { get; } = strategyReadsBaseModels;

    public UpdateVerdict Validate(ClientUpdate update, GlobalModel current, ModelHistory history, IdempotencyLedger ledger)
    {
        if (string.IsNullOrWhiteSpace(update.ClientId))
            return UpdateVerdict.Reject(RejectReason.InvalidClientId, "client_id is empty");
        if (update.Sequence < 0)
            return UpdateVerdict.Reject(RejectReason.InvalidSequence, $"sequence {update.Sequence} is negative");
        if (!update.Kind.IsKnown())
            return UpdateVerdict.Reject(RejectReason.UnknownKind, $"update kind {(int)update.Kind} is not weights, delta or gradient");
        if (update.NumSamples <= 0)
            return UpdateVerdict.Reject(RejectReason.NumSamplesNotPositive, $"num_samples is {update.NumSamples}");
        if (update.NumSamples > Limits.MaxNumSamples)
            return UpdateVerdict.Reject(RejectReason.NumSamplesAboveLimit, $"num_samples {update.NumSamples} is above the limit {Limits.MaxNumSamples}");
        if (update.BaseVersion > current.Version)
            return UpdateVerdict.Reject(RejectReason.BaseVersionFromFuture, $"base version {update.BaseVersion} is ahead of the current {current.Version}");

        long staleness = update.BaseVersion.StalenessAt(current.Version);
        if (staleness > Limits.MaxStaleness)
            return UpdateVerdict.Reject(RejectReason.StalenessAboveMaximum, $"staleness {staleness} is above the maximum {Limits.MaxStaleness}", staleness);
        if (ledger.HasSeen(update.Key))
            return UpdateVerdict.Reject(RejectReason.DuplicateUpdate, $"update {update.Key} was already folded", staleness);
        if (update.Parameters.Length != current.Dimension)
            return UpdateVerdict.Reject(RejectReason.WrongDimension, $"{update.Parameters.Length} parameters, the model has {current.Dimension}", staleness);

        GlobalModel? baseModel = null;
        if ((update.Kind.NeedsBaseModel() || StrategyReadsBaseModels) && !history.TryGet(update.BaseVersion, out baseModel))
            return UpdateVerdict.Reject(RejectReason.BaseModelUnavailable, $"base model {update.BaseVersion} is no longer kept", staleness);
        if (!update.Kind.NeedsBaseModel()) baseModel = null; // only a full model's norm is taken against its base

        var values = update.Parameters.Span;
        // A NaN or infinity makes the sum of squares non-finite, so one pass checks both; AllFinite tells them apart.
        double squared = baseModel is null
            ? VectorKernels.SumOfSquares(values)
            : VectorKernels.SquaredDistance(values, baseModel.Parameters);
        if (!double.IsFinite(squared))
        {
            if (!VectorKernels.AllFinite(values))
                return UpdateVerdict.Reject(RejectReason.NonFiniteValue, "parameters contain NaN or infinity", staleness);
            return UpdateVerdict.Reject(RejectReason.NormAboveLimit, "update norm overflows float32", staleness);
        }
        double norm = Math.Sqrt(squared);
        if (norm > Limits.MaxUpdateNorm)
            return UpdateVerdict.Reject(RejectReason.NormAboveLimit,
                $"update norm {norm.ToString("G6", CultureInfo.InvariantCulture)} is above the limit {Limits.MaxUpdateNorm.ToString(CultureInfo.InvariantCulture)}", staleness);
        return UpdateVerdict.Accept(staleness, norm);
    }
}
