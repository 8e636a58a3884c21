using System.Text.Json;
using System.Text.Json.Serialization;

namespace FedActors.LoadTest;

public sealed record RegistrationFigures(int Known, double Seconds, double PerSecond);

/// <summary>
/// Sent by the simulated clients; durable as they were told (direct transport); folded: in a journaled, published
/// version; rejected at the client (its answers) and at the aggregator over the window (all rejects, any transport).
/// </summary>
public sealed record UpdateFigures(long Sent, long AcknowledgedDurable, long Folded, long RejectedAtClients, IReadOnlyDictionary<string, long> RejectedAtClientsByReason,
    long RejectedByAggregatorInWindow, IReadOnlyDictionary<string, long> AggregatorRejectsByReason, double SentPerSecond, double FoldedPerSecond, double WindowSeconds,
    long TransportFailures);

/// <param name="SentToFoldedOverTime">The same, for the updates sent in each tenth of the window.</param>
public sealed record LatencyFigures(LatencySummary SentToAcknowledged, LatencySummary SentToFolded, LatencySummary SentToBroadcast,
    IReadOnlyList<LatencySummary> SentToFoldedOverTime);

public sealed record StalenessFigures(long Count, double Mean, long Max, IReadOnlyDictionary<long, long> Histogram);

public sealed record ClientBehaviourFigures(long InvitationsReceived, long Dropouts, long OfflineSpells, long Heartbeats, int TrainingAtEnd, long InvitationsTimedOut);

/// <summary>
/// Managed heap after full collections: before the clients, after the simulated client actors exist, and after all are
/// registered (ClientActors, client index entries and the selector's pool: the server's cost of a registered client).
/// </summary>
public sealed record MemoryFigures(long BaselineBytes, long AfterSimulatedClientsBytes, long AfterRegistrationBytes, long WorkingSetBytes, int Clients)
{
    public double SimulatedBytesPerClient => (double)(AfterSimulatedClientsBytes - BaselineBytes) / Clients;
    public double ServerBytesPerRegisteredClient => (double)(AfterRegistrationBytes - AfterSimulatedClientsBytes) / Clients;
}

public sealed record LoadReport(
    LoadTestOptions Options, int ModelSize, string SelectionStrategy, int Concurrency, bool Invitations,
    RegistrationFigures Registration, UpdateFigures Updates, LatencyFigures LatencyMs, StalenessFigures Staleness,
    ClientBehaviourFigures Clients, MemoryFigures Memory, long VersionsInWindow, long FinalVersion)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(new
    {
        clients = Options.Clients,
        concurrency = Concurrency,
        invitations = Invitations,
        selection_strategy = SelectionStrategy,
        rate_limit = Options.Rate,
        transport = Options.Transport,
        wire = Options.Transport == "kafka" ? (Options.Binary ? "binary" : "json") : "actor",
        model_size = ModelSize,
        median_training_seconds = Options.MedianTrainingSeconds,
        heartbeat_interval_seconds = Options.HeartbeatInterval.TotalSeconds,
        registration = Registration,
        updates = Updates,
        latency_ms = LatencyMs,
        staleness = Staleness,
        client_behaviour = Clients,
        memory = new
        {
            Memory.BaselineBytes, Memory.AfterSimulatedClientsBytes, Memory.AfterRegistrationBytes, Memory.WorkingSetBytes,
            Memory.SimulatedBytesPerClient, Memory.ServerBytesPerRegisteredClient,
        },
        versions_in_window = VersionsInWindow,
        final_version = FinalVersion,
    }, Json);

    /// <summary>A few lines for the terminal.</summary>
    public IEnumerable<string> Lines()
    {
        var l = LatencyMs;
        yield return $"clients: {Registration.Known:N0} registered in {Registration.Seconds:F1} s ({Registration.PerSecond:N0}/s); {Concurrency:N0} training at once ({SelectionStrategy}{(Invitations ? "" : ", no invitations")})";
        yield return $"updates: {Updates.Sent:N0} sent, {Updates.Folded:N0} folded; {Updates.FoldedPerSecond:N0}/s folded over {Updates.WindowSeconds:F0} s (model size {ModelSize:N0}); rejected {Updates.RejectedByAggregatorInWindow:N0} {Format(Updates.AggregatorRejectsByReason)}";
        yield return $"latency ms  sent->acknowledged p50 {l.SentToAcknowledged.P50:F0} p90 {l.SentToAcknowledged.P90:F0} p99 {l.SentToAcknowledged.P99:F0}  |  sent->folded p50 {l.SentToFolded.P50:F0} p99 {l.SentToFolded.P99:F0}  |  sent->broadcast p50 {l.SentToBroadcast.P50:F0} p99 {l.SentToBroadcast.P99:F0}";
        yield return $"staleness: mean {Staleness.Mean:F2}, max {Staleness.Max}; dropouts {Clients.Dropouts:N0}, offline spells {Clients.OfflineSpells:N0}, invitations timed out {Clients.InvitationsTimedOut:N0}";
        yield return $"memory: {Memory.ServerBytesPerRegisteredClient:N0} B per registered client on the server, {Memory.SimulatedBytesPerClient:N0} B per simulated client; working set {Memory.WorkingSetBytes / (1 << 20):N0} MiB";
    }

    private static string Format(IReadOnlyDictionary<string, long> counts) => counts.Count == 0 ? "" : "(" + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")) + ")";
}
