namespace FedActors.Core.Validation;

/// <summary>Why an update was refused. Every reject has one; none changes the model.</summary>
public enum RejectReason
{
    InvalidClientId,
    InvalidSequence,
    UnknownKind,
    WrongDimension,
    NonFiniteValue,
    NumSamplesNotPositive,
    NumSamplesAboveLimit,
    NormAboveLimit,
    StalenessAboveMaximum,
    BaseVersionFromFuture,
    BaseModelUnavailable,
    DuplicateUpdate,
}

public static class RejectReasons
{
    /// <summary>snake_case, as metrics labels and the system-events topic spell it.</summary>
    public static string WireName(this RejectReason reason) => reason switch
    {
        RejectReason.InvalidClientId => "invalid_client_id",
        RejectReason.InvalidSequence => "invalid_sequence",
        RejectReason.UnknownKind => "unknown_kind",
        RejectReason.WrongDimension => "wrong_dimension",
        RejectReason.NonFiniteValue => "non_finite_value",
        RejectReason.NumSamplesNotPositive => "num_samples_not_positive",
        RejectReason.NumSamplesAboveLimit => "num_samples_above_limit",
        RejectReason.NormAboveLimit => "norm_above_limit",
        RejectReason.StalenessAboveMaximum => "staleness_above_maximum",
        RejectReason.BaseVersionFromFuture => "base_version_from_future",
        RejectReason.BaseModelUnavailable => "base_model_unavailable",
        RejectReason.DuplicateUpdate => "duplicate_update",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
