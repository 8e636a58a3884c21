using System.Diagnostics;

namespace FedActors.Cluster;

/// <summary>
/// Where FedActors' traces come from. An update's trace follows it from the Kafka record (W3C traceparent header)
/// through the ClientActor to the aggregator's fold. Activities exist only while a listener (OpenTelemetry) samples
/// this source, so an untraced node pays nothing.
/// </summary>
public static class Telemetry
{
    public const string SourceName = "FedActors";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts a child of <paramref name="traceParent"/> (W3C form), or nothing when it is absent or unsampled.</summary>
    public static Activity? StartFrom(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal)
    {
        if (traceParent is null || !ActivityContext.TryParse(traceParent, null, out var parent)) return null;
        return Source.StartActivity(name, kind, parent);
    }

    /// <summary>The W3C traceparent to hand on: the activity's own id, or what came in.</summary>
    public static string? Next(Activity? activity, string? traceParent) => activity?.Id ?? traceParent;
}
