using FedActors.Core.Model;

namespace FedActors.Core.Validation;

/// <summary>What validation decided about one update: accepted with its staleness, or rejected with a reason and a sentence.</summary>
public readonly record struct UpdateVerdict(RejectReason? Reason, string? Detail, long Staleness, double Norm)
{
    public bool IsAccepted => Reason is null;

    public static UpdateVerdict Accept(long staleness, double norm) => new(null, null, staleness, norm);
    public static UpdateVerdict Reject(RejectReason reason, string detail, long staleness = 0) => new(reason, detail, staleness, double.NaN);

    public override string ToString() => IsAccepted ? $"accepted (staleness {Staleness})" : $"rejected: {Reason!.Value.WireName()}: {Detail}";
}
