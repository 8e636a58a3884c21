using Akka.Actor;
using Akka.Serialization;
using FedActors.Cluster.Aggregation;
using FedActors.Core;
using FedActors.Core.Buffering;
using FedActors.Core.Model;
using FedActors.Core.Optimizers;

namespace FedActors.Cluster.Serialization;

/// <summary>
/// The journal's stable format. The manifest names the type and its format version ("ModelAggregated.v1"); a new
/// format gets a new manifest and the old one stays readable (golden files in the tests guard that).
/// </summary>
public sealed class JournalSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 8702;
    public const string InitializedV1 = "ModelInitialized.v1", AggregatedV1 = "ModelAggregated.v1", SnapshotV1 = "AggregatorSnapshot.v1",
        PauseChangedV1 = "AggregationPauseChanged.v1";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        ModelInitialized => InitializedV1,
        ModelAggregated => AggregatedV1,
        AggregatorSnapshot => SnapshotV1,
        AggregationPauseChanged => PauseChangedV1,
        _ => throw new ArgumentException($"{o.GetType()} is not a journal entry", nameof(o)),
    };

    public override byte[] ToBinary(object o) => o switch
    {
        ModelInitialized e => BinaryFormat.Encode(w => { w.WriteTime(e.At); w.WriteFloats(e.Parameters); }, 16 + e.Parameters.Length * 4),
        ModelAggregated e => BinaryFormat.Encode(w => WriteAggregated(w, e), 512 + e.Step.Length * 4),
        AggregatorSnapshot s => BinaryFormat.Encode(w => WriteSnapshot(w, s), 1024),
        AggregationPauseChanged e => BinaryFormat.Encode(w => { w.Write(e.Paused); w.WriteTime(e.At); w.Write(e.By); }, 64),
        _ => throw new ArgumentException($"{o.GetType()} is not a journal entry", nameof(o)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        InitializedV1 => BinaryFormat.Decode(bytes, r => new ModelInitialized(r.ReadTime(), r.ReadFloats())),
        AggregatedV1 => BinaryFormat.Decode(bytes, ReadAggregated),
        SnapshotV1 => BinaryFormat.Decode(bytes, ReadSnapshot),
        PauseChangedV1 => BinaryFormat.Decode(bytes, r => new AggregationPauseChanged(r.ReadBoolean(), r.ReadTime(), r.ReadString())),
        _ => throw new System.Runtime.Serialization.SerializationException($"unknown journal manifest '{manifest}'"),
    };

    private static void WriteAggregated(BinaryWriter w, ModelAggregated e)
    {
        var i = e.Info;
        w.Write(i.Version.Value);
        w.WriteTime(i.At);
        w.Write((byte)i.Trigger);
        w.Write(i.Method);
        w.Write(i.NumClientsParticipated);
        w.Write(i.NumUpdates);
        w.Write(i.TotalSamples);
        w.Write(i.MeanStaleness);
        w.Write(i.MaxStaleness);
        w.Write(i.MeanStalenessWeight);
        w.WriteOptional(i.MeanTrainingLoss);
        w.WriteOptional(i.MeanTrainingAccuracy);
        w.Write(i.StepNorm);
        w.Write(i.FoldedKeys.Count);
        foreach (var key in i.FoldedKeys) w.WriteKey(key);
        w.WriteFloats(e.Step);
    }

    private static ModelAggregated ReadAggregated(BinaryReader r)
    {
        var version = new ModelVersion(r.ReadInt64());
        var at = r.ReadTime();
        var trigger = (AggregationTrigger)r.ReadByte();
        string method = r.ReadString();
        int clients = r.ReadInt32(), updates = r.ReadInt32();
        long samples = r.ReadInt64();
        double meanStaleness = r.ReadDouble();
        long maxStaleness = r.ReadInt64();
        double meanWeight = r.ReadDouble();
        double? loss = r.ReadOptionalDouble(), accuracy = r.ReadOptionalDouble();
        double stepNorm = r.ReadDouble();
        var keys = new IdempotencyKey[r.ReadInt32()];
        for (int k = 0; k < keys.Length; k++) keys[k] = r.ReadKey();
        var step = r.ReadFloats();
        return new ModelAggregated(new AggregationInfo(version, at, trigger, method, clients, updates, samples,
            meanStaleness, maxStaleness, meanWeight, loss, accuracy, stepNorm, keys), step);
    }

    private static void WriteSnapshot(BinaryWriter w, AggregatorSnapshot s)
    {
        var e = s.Engine;
        w.Write(s.Aggregations);
        w.WriteTime(e.LastAggregationAt);
        w.Write(e.History.Count);
        foreach (var model in e.History)
        {
            w.Write(model.Version.Value);
            w.WriteFloats(model.Parameters);
        }
        w.Write(e.Optimizer.Steps);
        w.Write(e.Optimizer.Buffers.Count);
        foreach (var (name, values) in e.Optimizer.Buffers.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            w.Write(name);
            w.WriteFloats(values);
        }
        w.Write(e.Ledger.Count);
        foreach (var (client, highest, seen) in e.Ledger)
        {
            w.Write(client);
            w.Write(highest);
            w.Write(seen);
        }
    }

    private static AggregatorSnapshot ReadSnapshot(BinaryReader r)
    {
        long aggregations = r.ReadInt64();
        var lastAt = r.ReadTime();
        var history = new GlobalModel[r.ReadInt32()];
        for (int k = 0; k < history.Length; k++) history[k] = new GlobalModel(new ModelVersion(r.ReadInt64()), r.ReadFloats());
        long steps = r.ReadInt64();
        var buffers = new Dictionary<string, float[]>();
        int bufferCount = r.ReadInt32();
        for (int k = 0; k < bufferCount; k++) buffers[r.ReadString()] = r.ReadFloats();
        var ledger = new (string, long, ulong)[r.ReadInt32()];
        for (int k = 0; k < ledger.Length; k++) ledger[k] = (r.ReadString(), r.ReadInt64(), r.ReadUInt64());
        return new AggregatorSnapshot(new EngineSnapshot(history, new ServerOptimizerState(steps, buffers), ledger, lastAt), aggregations);
    }
}
