using Akka.Actor;
using Akka.TestKit.Xunit2;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Serialization;

namespace FedActors.Cluster.Tests;

/// <summary>
/// An event written today must read tomorrow. The files in golden/ were written by the v1 format; if this fails,
/// the format changed: give the new one a new manifest and keep reading the old.
/// Regenerate only for a new manifest: FEDACTORS_WRITE_GOLDEN=DIR dotnet test --filter GoldenJournalTests
/// </summary>
public class GoldenJournalTests() : TestKit("akka.actor.provider = local")
{
    private JournalSerializer Serializer => new((ExtendedActorSystem)Sys);

    public static TheoryData<string, string> Files() => new()
    {
        { "ModelInitialized.v1.bin", JournalSerializer.InitializedV1 },
        { "ModelAggregated.v1.bin", JournalSerializer.AggregatedV1 },
        { "AggregatorSnapshot.v1.bin", JournalSerializer.SnapshotV1 },
        { "AggregationPauseChanged.v1.bin", JournalSerializer.PauseChangedV1 },
    };

    private static object Sample(string manifest) => manifest switch
    {
        JournalSerializer.InitializedV1 => JournalSamples.Initialized(),
        JournalSerializer.AggregatedV1 => JournalSamples.Aggregated(),
        JournalSerializer.PauseChangedV1 => new AggregationPauseChanged(true, new DateTimeOffset(2026, 12, 3, 11, 30, 0, TimeSpan.Zero), "http:operator"),
        _ => JournalSamples.Snapshot(),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Golden_files_still_read_and_today_writes_the_same_bytes(string file, string manifest)
    {
        var sample = Sample(manifest);
        if (Environment.GetEnvironmentVariable("FEDACTORS_WRITE_GOLDEN") is { Length: > 0 } dir)
            File.WriteAllBytes(Path.Combine(dir, file), Serializer.ToBinary(sample));

        var golden = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "golden", file));
        Assert.Equal(manifest, Serializer.Manifest(sample));
        var read = Serializer.FromBinary(golden, manifest);
        switch (sample)
        {
            case ModelInitialized e:
                var r = Assert.IsType<ModelInitialized>(read);
                Assert.Equal(e.At, r.At);
                Assert.Equal(e.Parameters, r.Parameters);
                break;
            case ModelAggregated e: JournalSamples.AssertSame(e, Assert.IsType<ModelAggregated>(read)); break;
            case AggregatorSnapshot s: JournalSamples.AssertSame(s, Assert.IsType<AggregatorSnapshot>(read)); break;
            case AggregationPauseChanged p: Assert.Equal(p, Assert.IsType<AggregationPauseChanged>(read)); break;
        }
        Assert.Equal(golden, Serializer.ToBinary(sample));
    }

    [Fact]
    public void A_truncated_or_unknown_entry_is_refused()
    {
        var bytes = Serializer.ToBinary(JournalSamples.Aggregated());
        Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(bytes[..^3], JournalSerializer.AggregatedV1));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Serializer.FromBinary(bytes, "ModelAggregated.v0"));
    }
}
