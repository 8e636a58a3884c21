using FedActors.Core.Clients;
using FedActors.Core.Model;

namespace FedActors.Core.Wire;

/// <summary>Why a message from the wire was refused before it became an update. Published and counted by the transport.</summary>
public enum WireRejectReason
{
    NotJson,
    MissingField,
    InvalidField,
    InvalidBase64,
    WrongLength,
    UnknownVersion,
    Oversize,
}

public static class WireRejectReasons
{
    public static string WireName(this WireRejectReason reason) => reason switch
    {
        WireRejectReason.NotJson => "not_json",
        WireRejectReason.MissingField => "missing_field",
        WireRejectReason.InvalidField => "invalid_field",
        WireRejectReason.InvalidBase64 => "invalid_base64",
        WireRejectReason.WrongLength => "wrong_length",
        WireRejectReason.UnknownVersion => "unknown_version",
        WireRejectReason.Oversize => "oversize",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>A message that could not be decoded: the reason, and a sentence naming what was wrong.</summary>
public sealed class WireFormatException(WireRejectReason reason, string message) : Exception(message)
{
    public WireRejectReason Reason { get; } = reason;
}

/// <summary>
/// The seed's client update message as decoded: the update itself and what the client reported beside it.
/// <see cref="ReportedStaleness"/> is the client's own figure; the server computes its own.
/// </summary>
public sealed record DecodedUpdate(ClientUpdate Update, DateTimeOffset Timestamp, ClientCapabilities? Resources, long? ReportedStaleness);

/// <summary>The seed's global model broadcast.</summary>
public sealed record ModelBroadcast(
    ModelVersion Version,
    DateTimeOffset Timestamp,
    int NumClientsParticipated,
    string AggregationMethod,
    double? GlobalLoss,
    double? GlobalAccuracy,
    ReadOnlyMemory<float> Parameters,
    long MinSamples,
    long MaxStaleness);

/// <summary>An invitation to train on <see cref="ModelVersion"/> and report by <see cref="ReportBy"/> (the client-invitations topic).</summary>
public sealed record InvitationMessage(
    string ClientId, ModelVersion ModelVersion, DateTimeOffset Timestamp, DateTimeOffset ReportBy, string SelectionStrategy, long MinSamples, long MaxStaleness);

/// <summary>The seed's registration message.</summary>
public sealed record Registration(string ClientId, DateTimeOffset Timestamp, ClientCapabilities Capabilities);

/// <summary>A heartbeat: the client is alive and trained on <see cref="ModelVersion"/>.</summary>
public sealed record Heartbeat(string ClientId, DateTimeOffset Timestamp, ModelVersion? ModelVersion);

/// <summary>What the system says on the system-events topic: rejects, clients going inactive, aggregations.</summary>
public sealed record SystemEvent(
    string EventType,
    DateTimeOffset Timestamp,
    string? ClientId = null,
    string? Reason = null,
    string? Detail = null,
    long? ModelVersion = null,
    string? Source = null);
