namespace FedActors.Core.Model;

/// <summary>
/// What the parameters of a client update mean. Every kind is turned into the same thing before it is folded:
/// the client's delta, local model minus the model it trained from (its base version).
/// </summary>
public enum UpdateKind
{
    /// <summary>The client's full local model; delta = weights - base model.</summary>
    Weights = 1,

    /// <summary>Local model minus base model, as sent; the fast path (no base model is read).</summary>
    Delta = 2,

    /// <summary>
    /// The seed's "gradient": the accumulated descent step the client took, base model minus local model,
    /// so delta = -gradient. A client that ran plain SGD with learning rate lr over gradients g_k sends sum(lr * g_k).
    /// </summary>
    Gradient = 3,
}

public static class UpdateKinds
{
    /// <summary>Wire names, as in the seed's <c>update_type</c> field.</summary>
    public static string WireName(this UpdateKind kind) => kind switch
    {
        UpdateKind.Weights => "weights",
        UpdateKind.Delta => "delta",
        UpdateKind.Gradient => "gradient",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown update kind"),
    };

    public static bool TryParse(string? wireName, out UpdateKind kind)
    {
        switch (wireName?.Trim().ToLowerInvariant())
        {
            case "weights": kind = UpdateKind.Weights; return true;
            case "delta": kind = UpdateKind.Delta; return true;
            case "gradient": kind = UpdateKind.Gradient; return true;
            default: kind = default; return false;
        }
    }

    public static bool IsKnown(this UpdateKind kind) => kind is UpdateKind.Weights or UpdateKind.Delta or UpdateKind.Gradient;

    /// <summary>Whether turning this kind into a delta needs the model the client trained from.</summary>
    public static bool NeedsBaseModel(this UpdateKind kind) => kind == UpdateKind.Weights;
}
