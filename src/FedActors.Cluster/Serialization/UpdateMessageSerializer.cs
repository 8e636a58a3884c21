using Akka.Actor;
using Akka.Serialization;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Validation;

namespace FedActors.Cluster.Serialization;

/// <summary>Messages on the update path between nodes; they get <see cref="UpdateMessageSerializer"/> instead of Hyperion.</summary>
public interface IUpdatePathMessage;

/// <summary>
/// The update path between nodes: a compact binary format with the parameters copied as bytes, so a 4 MB update
/// costs a memory copy rather than reflection over a float at a time.
/// </summary>
public sealed class UpdateMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 8701;
    // v2 of the submits adds the trace context; v1 stays readable for a cluster in the middle of a rolling upgrade.
    private const string SubmitUpdateV1 = "SU1", AggregatorSubmitV1 = "AS1", SubmitUpdateV2 = "SU2", AggregatorSubmitV2 = "AS2",
        OutcomeV1 = "AO1", DurableV1 = "UD1", RejectedV1 = "UR1";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        ClientProtocol.SubmitUpdate => SubmitUpdateV2,
        AggregatorProtocol.Submit => AggregatorSubmitV2,
        AggregatorProtocol.Outcome => OutcomeV1,
        UpdateDurable => DurableV1,
        UpdateRejected => RejectedV1,
        _ => throw new ArgumentException($"{o.GetType()} is not an update-path message", nameof(o)),
    };

    public override byte[] ToBinary(object o) => o switch
    {
        ClientProtocol.SubmitUpdate m => BinaryFormat.Encode(w =>
        {
            WriteUpdate(w, m.Update);
            w.Write(m.Resources is not null);
            if (m.Resources is { } c) { w.Write(c.CpuCores); w.Write(c.MemoryGb); w.Write(c.GpuAvailable); }
            WriteRef(w, m.ReplyTo);
            WriteTrace(w, m.TraceParent);
        }, 128 + m.Update.Parameters.Length * 4),
        AggregatorProtocol.Submit m => BinaryFormat.Encode(w => { WriteUpdate(w, m.Update); WriteRef(w, m.ReplyTo); WriteTrace(w, m.TraceParent); },
            128 + m.Update.Parameters.Length * 4),
        AggregatorProtocol.Outcome m => BinaryFormat.Encode(w => { WriteResult(w, m.Result); WriteRef(w, m.ReplyTo); }),
        UpdateResult m => BinaryFormat.Encode(w => WriteResult(w, m)),
        _ => throw new ArgumentException($"{o.GetType()} is not an update-path message", nameof(o)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        SubmitUpdateV1 or SubmitUpdateV2 => BinaryFormat.Decode(bytes, r =>
        {
            var update = ReadUpdate(r);
            var resources = r.ReadBoolean() ? new ClientCapabilities(r.ReadInt32(), r.ReadDouble(), r.ReadBoolean()) : null;
            return new ClientProtocol.SubmitUpdate(update, resources, ReadRef(r)) { TraceParent = manifest == SubmitUpdateV2 ? ReadTrace(r) : null };
        }),
        AggregatorSubmitV1 or AggregatorSubmitV2 => BinaryFormat.Decode(bytes, r =>
            new AggregatorProtocol.Submit(ReadUpdate(r), ReadRef(r)) { TraceParent = manifest == AggregatorSubmitV2 ? ReadTrace(r) : null }),
        OutcomeV1 => BinaryFormat.Decode(bytes, r => new AggregatorProtocol.Outcome(ReadResult(r), ReadRef(r))),
        DurableV1 or RejectedV1 => BinaryFormat.Decode(bytes, ReadResult),
        _ => throw new System.Runtime.Serialization.SerializationException($"unknown update-path manifest '{manifest}'"),
    };

    private static void WriteUpdate(BinaryWriter w, ClientUpdate u)
    {
        w.Write(u.ClientId);
        w.Write(u.Sequence);
        w.Write(u.BaseVersion.Value);
        w.Write((byte)u.Kind);
        w.Write(u.NumSamples);
        w.WriteOptional(u.TrainingLoss);
        w.WriteOptional(u.TrainingAccuracy);
        w.WriteOptional(u.TrainingDuration?.TotalSeconds);
        w.WriteFloats(u.Parameters.Span);
    }

    private static ClientUpdate ReadUpdate(BinaryReader r)
    {
        string client = r.ReadString();
        long sequence = r.ReadInt64();
        var baseVersion = new ModelVersion(r.ReadInt64());
        var kind = (UpdateKind)r.ReadByte();
        long samples = r.ReadInt64();
        double? loss = r.ReadOptionalDouble(), accuracy = r.ReadOptionalDouble(), seconds = r.ReadOptionalDouble();
        return new ClientUpdate(client, sequence, baseVersion, kind, r.ReadFloats(), samples, loss, accuracy,
            seconds is { } s ? TimeSpan.FromSeconds(s) : null);
    }

    private static void WriteResult(BinaryWriter w, UpdateResult result)
    {
        w.WriteKey(result.Key);
        switch (result)
        {
            case UpdateDurable d:
                w.Write((byte)1);
                w.Write(d.FoldedInto.Value);
                w.Write(d.Redelivered);
                break;
            case UpdateRejected j:
                w.Write((byte)2);
                w.Write((int)j.Reason);
                w.Write(j.Detail);
                w.Write(j.Staleness);
                break;
            default: throw new ArgumentException($"unknown result {result.GetType()}", nameof(result));
        }
    }

    private static UpdateResult ReadResult(BinaryReader r)
    {
        var key = r.ReadKey();
        return r.ReadByte() switch
        {
            1 => new UpdateDurable(key, new ModelVersion(r.ReadInt64()), r.ReadBoolean()),
            2 => new UpdateRejected(key, (RejectReason)r.ReadInt32(), r.ReadString(), r.ReadInt64()),
            var tag => throw new InvalidDataException($"unknown result tag {tag}"),
        };
    }

    private static void WriteTrace(BinaryWriter w, string? traceParent)
    {
        w.Write(traceParent is not null);
        if (traceParent is not null) w.Write(traceParent);
    }

    private static string? ReadTrace(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteRef(BinaryWriter w, IActorRef actor) => w.Write(Akka.Serialization.Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(BinaryReader r) => system.Provider.ResolveActorRef(r.ReadString());
}
