using System.Diagnostics.Metrics;

namespace FedActors.Cluster;

/// <summary>
/// FedActors' metrics, from one Meter; instruments are named <c>fl.*</c>, so Prometheus shows <c>fl_...</c>. Gauges
/// read what the actors on this node last set: the aggregator's gauges appear only on the node hosting the singleton.
/// </summary>
public static class Metrics
{
    public const string MeterName = "FedActors";
    public static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Counter<long> UpdatesReceived = Meter.CreateCounter<long>("fl.updates.received", "{update}", "Updates received by ClientActors");
    public static readonly Counter<long> UpdatesAccepted = Meter.CreateCounter<long>("fl.updates.accepted", "{update}", "Updates accepted into the buffer");
    public static readonly Counter<long> UpdatesRejected = Meter.CreateCounter<long>("fl.updates.rejected", "{update}", "Updates rejected, by reason");
    public static readonly Histogram<long> UpdateStaleness = Meter.CreateHistogram<long>("fl.update.staleness", "{version}", "Staleness of accepted updates",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [0, 1, 2, 3, 5, 8, 10, 15, 20, 50, 100] });
    public static readonly Counter<long> Aggregations = Meter.CreateCounter<long>("fl.aggregations", "{aggregation}", "Aggregations journaled");
    public static readonly Histogram<double> AggregationDuration = Meter.CreateHistogram<double>("fl.aggregation.duration", "s", "From deciding an aggregation to its journal write completing",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    public static readonly Histogram<double> UpdateProcessingDuration = Meter.CreateHistogram<double>("fl.update.processing.duration", "s", "From an update reaching its ClientActor to its result",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    // Gauges: plain fields the actors on this node set, read by the exporter's thread.
    public static volatile int ActiveClientsOnNode;
    internal static AggregatorGauges? Aggregator;

    static Metrics()
    {
        Meter.CreateObservableGauge("fl.buffer.fill", () => Read(a => a.BufferFill), "{update}", "Updates waiting in the aggregation buffer");
        Meter.CreateObservableGauge("fl.model.version", () => Read(a => a.ModelVersion), "{version}", "The durable global model version");
        Meter.CreateObservableGauge("fl.participation.rate", () => ReadDouble(a => a.ParticipationRate), "1", "Share of active clients whose update was folded in the last minute");
        Meter.CreateObservableGauge("fl.clients.active", () => new Measurement<int>(ActiveClientsOnNode), "{client}", "Active clients hosted on this node");
    }

    private static IEnumerable<Measurement<long>> Read(Func<AggregatorGauges, long> value) =>
        Aggregator is { } a ? [new Measurement<long>(value(a))] : [];

    private static IEnumerable<Measurement<double>> ReadDouble(Func<AggregatorGauges, double> value) =>
        Aggregator is { } a ? [new Measurement<double>(value(a))] : [];
}

/// <summary>What the aggregator on this node last reported.</summary>
internal sealed class AggregatorGauges
{
    public long BufferFill;
    public long ModelVersion;
    public double ParticipationRate;
}
