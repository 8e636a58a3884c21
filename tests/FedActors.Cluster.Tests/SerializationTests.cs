using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Serialization;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Optimizers;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Tests;

/// <summary>Explicit round trips through the serializers the configuration binds (serialize-messages stays off: shared/notes).</summary>
public class SerializationTests() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")
    .WithFallback(FedActorsConfig.Reference()))
{
    private T RoundTrip<T>(T message, Type expectedSerializer)
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType(expectedSerializer, serializer);
        var bytes = serializer.ToBinary(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return (T)serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    [Fact]
    public void Update_path_messages_use_the_binary_format_and_round_trip()
    {
        var update = new ClientUpdate("client-7", 42, new ModelVersion(3), UpdateKind.Weights, new[] { 1.5f, -2f, float.Epsilon }, 900,
            0.25, null, TimeSpan.FromSeconds(12.5));
        var submit = RoundTrip(new ClientProtocol.SubmitUpdate(update, new ClientCapabilities(4, 8, false), TestActor), typeof(UpdateMessageSerializer));
        Assert.Equal(update with { Parameters = default }, submit.Update with { Parameters = default });
        Assert.Equal(update.Parameters.ToArray(), submit.Update.Parameters.ToArray());
        Assert.Equal(new ClientCapabilities(4, 8, false), submit.Resources);
        Assert.Equal(TestActor, submit.ReplyTo);

        var forwarded = RoundTrip(new AggregatorProtocol.Submit(update, TestActor), typeof(UpdateMessageSerializer));
        Assert.Equal(update.Key, forwarded.Update.Key);
        var durable = RoundTrip<UpdateResult>(new UpdateDurable(update.Key, new ModelVersion(9), true), typeof(UpdateMessageSerializer));
        Assert.Equal(new UpdateDurable(update.Key, new ModelVersion(9), true), durable);
        var outcome = RoundTrip(new AggregatorProtocol.Outcome(new UpdateRejected(update.Key, RejectReason.NonFiniteValue, "NaN at 3", 2), TestActor),
            typeof(UpdateMessageSerializer));
        Assert.Equal(new UpdateRejected(update.Key, RejectReason.NonFiniteValue, "NaN at 3", 2), outcome.Result);
    }

    [Fact]
    public void The_trace_context_travels_with_a_submit_and_v1_submits_still_read()
    {
        const string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var update = new ClientUpdate("c", 1, new ModelVersion(0), UpdateKind.Delta, new[] { 1f }, 1);
        var traced = RoundTrip(new ClientProtocol.SubmitUpdate(update, null, TestActor) { TraceParent = trace }, typeof(UpdateMessageSerializer));
        Assert.Equal(trace, traced.TraceParent);
        Assert.Equal(trace, RoundTrip(new AggregatorProtocol.Submit(update, TestActor) { TraceParent = trace }, typeof(UpdateMessageSerializer)).TraceParent);

        // A v1 submit (a node not yet upgraded) is the v2 bytes of an untraced one without the trace flag.
        var serializer = new UpdateMessageSerializer((ExtendedActorSystem)Sys);
        var v2 = serializer.ToBinary(new ClientProtocol.SubmitUpdate(update, null, TestActor));
        Assert.Equal("SU2", serializer.Manifest(new ClientProtocol.SubmitUpdate(update, null, TestActor)));
        var v1 = (ClientProtocol.SubmitUpdate)serializer.FromBinary(v2[..^1], "SU1");
        Assert.Equal(update.Key, v1.Update.Key);
        Assert.Null(v1.TraceParent);
    }

    [Fact]
    public void Other_messages_between_nodes_use_Hyperion()
    {
        var state = RoundTrip(new ClientProtocol.Register("c", new ClientCapabilities(2, 4, true)), typeof(HyperionSerializer));
        Assert.Equal(new ClientProtocol.Register("c", new ClientCapabilities(2, 4, true)), state);
        var version = RoundTrip(new AggregatorProtocol.CurrentVersion(new ModelVersion(12)), typeof(HyperionSerializer));
        Assert.Equal(new ModelVersion(12), version.Version);
    }

    [Fact]
    public void Journal_entries_use_the_journal_format_and_round_trip()
    {
        var aggregated = JournalSamples.Aggregated();
        var back = RoundTrip(aggregated, typeof(JournalSerializer));
        JournalSamples.AssertSame(aggregated, back);
        var snapshot = RoundTrip(JournalSamples.Snapshot(), typeof(JournalSerializer));
        JournalSamples.AssertSame(JournalSamples.Snapshot(), snapshot);
    }
}
