using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using FedActors.Core.Clients;
using FedActors.Core.Model;

namespace FedActors.Core.Wire;

/// <summary>
/// The compact update encoding (docs/wire-format.md), chosen by the Kafka header
/// <c>content-type: application/vnd.fedactors.update.v1</c>: fixed little-endian fields, then the parameters as raw
/// float32, so decoding is one copy. It decodes to the same <see cref="DecodedUpdate"/> as the JSON form.
/// </summary>
public static class BinaryWire
{
    public const string ContentType = "application/vnd.fedactors.update.v1";
    private static ReadOnlySpan<byte> Magic => "FAU"u8;
    private const byte Version = 1;
    private const int FixedBytes = 4 + 8 + 8 + 1 + 8 + 8 + 1;   // magic+version, sequence, base, kind, samples, time, flags

    [Flags]
    private enum Has : byte { Loss = 1, Accuracy = 2, Duration = 4, Resources = 8, Staleness = 16 }

    public static byte[] EncodeUpdate(ClientUpdate u, DateTimeOffset timestamp, ClientCapabilities? resources = null, long? reportedStaleness = null)
    {
        var id = Encoding.UTF8.GetBytes(u.ClientId);
        if (id.Length > ushort.MaxValue) throw new ArgumentException("client id is too long for the binary format", nameof(u));
        var flags = (u.TrainingLoss.HasValue ? Has.Loss : 0) | (u.TrainingAccuracy.HasValue ? Has.Accuracy : 0)
                  | (u.TrainingDuration.HasValue ? Has.Duration : 0) | (resources is not null ? Has.Resources : 0)
                  | (reportedStaleness.HasValue ? Has.Staleness : 0);
        int optional = (flags.HasFlag(Has.Loss) ? 8 : 0) + (flags.HasFlag(Has.Accuracy) ? 8 : 0) + (flags.HasFlag(Has.Duration) ? 8 : 0)
                     + (flags.HasFlag(Has.Resources) ? 13 : 0) + (flags.HasFlag(Has.Staleness) ? 8 : 0);
        var floats = MemoryMarshal.AsBytes(u.Parameters.Span);
        var buffer = new byte[FixedBytes + optional + 2 + id.Length + 4 + floats.Length];
        var w = buffer.AsSpan();
        Magic.CopyTo(w);
        w[3] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(w[4..], u.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(w[12..], u.BaseVersion.Value);
        w[20] = (byte)u.Kind;
        BinaryPrimitives.WriteInt64LittleEndian(w[21..], u.NumSamples);
        BinaryPrimitives.WriteInt64LittleEndian(w[29..], timestamp.ToUnixTimeMilliseconds());
        w[37] = (byte)flags;
        int at = FixedBytes;
        if (u.TrainingLoss is { } loss) { BinaryPrimitives.WriteDoubleLittleEndian(w[at..], loss); at += 8; }
        if (u.TrainingAccuracy is { } acc) { BinaryPrimitives.WriteDoubleLittleEndian(w[at..], acc); at += 8; }
        if (u.TrainingDuration is { } d) { BinaryPrimitives.WriteDoubleLittleEndian(w[at..], d.TotalSeconds); at += 8; }
        if (resources is not null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(w[at..], resources.CpuCores);
            BinaryPrimitives.WriteDoubleLittleEndian(w[(at + 4)..], resources.MemoryGb);
            w[at + 12] = resources.GpuAvailable ? (byte)1 : (byte)0;
            at += 13;
        }
        if (reportedStaleness is { } s) { BinaryPrimitives.WriteInt64LittleEndian(w[at..], s); at += 8; }
        BinaryPrimitives.WriteUInt16LittleEndian(w[at..], (ushort)id.Length);
        id.CopyTo(w[(at + 2)..]);
        at += 2 + id.Length;
        BinaryPrimitives.WriteInt32LittleEndian(w[at..], u.Parameters.Length);
        floats.CopyTo(w[(at + 4)..]);
        return buffer;
    }

    public static DecodedUpdate DecodeUpdate(ReadOnlySpan<byte> m, int maxMessageBytes = JsonWire.DefaultMaxMessageBytes)
    {
        if (m.Length > maxMessageBytes)
            throw new WireFormatException(WireRejectReason.Oversize, $"message of {m.Length} bytes is above the limit of {maxMessageBytes}");
        if (m.Length < 4 || !m[..3].SequenceEqual(Magic))
            throw new WireFormatException(WireRejectReason.UnknownVersion, "not a FedActors binary update (no FAU header)");
        if (m[3] != Version)
            throw new WireFormatException(WireRejectReason.UnknownVersion, $"binary update format version {m[3]} is not supported (this node reads {Version})");
        if (m.Length < FixedBytes) throw Short(m.Length);
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(m[4..]);
        long baseVersion = BinaryPrimitives.ReadInt64LittleEndian(m[12..]);
        var kind = (UpdateKind)m[20];
        if (!kind.IsKnown()) throw new WireFormatException(WireRejectReason.InvalidField, $"update kind {m[20]} is not weights (1), delta (2) or gradient (3)");
        if (baseVersion < 0) throw new WireFormatException(WireRejectReason.InvalidField, "model_version must be >= 0");
        long samples = BinaryPrimitives.ReadInt64LittleEndian(m[21..]);
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(BinaryPrimitives.ReadInt64LittleEndian(m[29..]), -62135596800000L, 253402300799999L));
        var flags = (Has)m[37];
        int at = FixedBytes;
        double? loss = flags.HasFlag(Has.Loss) ? ReadDouble(m, ref at) : null;
        double? accuracy = flags.HasFlag(Has.Accuracy) ? ReadDouble(m, ref at) : null;
        double? duration = flags.HasFlag(Has.Duration) ? ReadDouble(m, ref at) : null;
        ClientCapabilities? resources = null;
        if (flags.HasFlag(Has.Resources))
        {
            if (m.Length < at + 13) throw Short(m.Length);
            resources = new ClientCapabilities(BinaryPrimitives.ReadInt32LittleEndian(m[at..]), BinaryPrimitives.ReadDoubleLittleEndian(m[(at + 4)..]), m[at + 12] != 0);
            at += 13;
        }
        long? staleness = null;
        if (flags.HasFlag(Has.Staleness))
        {
            if (m.Length < at + 8) throw Short(m.Length);
            staleness = BinaryPrimitives.ReadInt64LittleEndian(m[at..]);
            at += 8;
        }
        if (m.Length < at + 2) throw Short(m.Length);
        int idLength = BinaryPrimitives.ReadUInt16LittleEndian(m[at..]);
        if (m.Length < at + 2 + idLength + 4) throw Short(m.Length);
        string clientId = Encoding.UTF8.GetString(m.Slice(at + 2, idLength));
        at += 2 + idLength;
        int count = BinaryPrimitives.ReadInt32LittleEndian(m[at..]);
        at += 4;
        if (count < 0 || (long)count * 4 != m.Length - at)
            throw new WireFormatException(WireRejectReason.WrongLength, $"header says {count} parameters, the message carries {(m.Length - at) / 4.0} of them");
        var parameters = new float[count];
        m[at..].CopyTo(MemoryMarshal.AsBytes(parameters.AsSpan()));
        var update = new ClientUpdate(clientId, sequence, new ModelVersion(baseVersion), kind, parameters, samples, loss, accuracy,
            duration is { } d ? TimeSpan.FromSeconds(d) : null);
        return new DecodedUpdate(update, timestamp, resources, staleness);
    }

    private static double ReadDouble(ReadOnlySpan<byte> m, ref int at)
    {
        if (m.Length < at + 8) throw Short(m.Length);
        double v = BinaryPrimitives.ReadDoubleLittleEndian(m[at..]);
        at += 8;
        return v;
    }

    private static WireFormatException Short(int length) => new(WireRejectReason.WrongLength, $"binary update cut short at {length} bytes");
}

/// <summary>Picks the codec by the message's content type: JSON unless the header names the binary form.</summary>
public static class UpdateCodec
{
    public const string JsonContentType = "application/json";

    public static DecodedUpdate Decode(string? contentType, ReadOnlyMemory<byte> message, int maxMessageBytes = JsonWire.DefaultMaxMessageBytes) =>
        contentType switch
        {
            null or "" or JsonContentType => JsonWire.DecodeUpdate(message, maxMessageBytes),
            BinaryWire.ContentType => BinaryWire.DecodeUpdate(message.Span, maxMessageBytes),
            _ => throw new WireFormatException(WireRejectReason.UnknownVersion, $"content type '{contentType}' is not one this node reads ({JsonContentType}, {BinaryWire.ContentType})"),
        };
}
