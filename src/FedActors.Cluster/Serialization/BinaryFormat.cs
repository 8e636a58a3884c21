using System.Runtime.InteropServices;
using FedActors.Core.Model;

namespace FedActors.Cluster.Serialization;

/// <summary>Little-endian primitives shared by the binary formats; float arrays are copied as raw bytes.</summary>
internal static class BinaryFormat
{
    static BinaryFormat()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("FedActors' binary formats are little-endian");
    }

    public static void WriteFloats(this BinaryWriter w, ReadOnlySpan<float> values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values));
    }

    public static float[] ReadFloats(this BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0) throw new InvalidDataException($"negative array length {n}");
        var values = new float[n];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (r.Read(bytes) != bytes.Length) throw new EndOfStreamException("float array cut short");
        return values;
    }

    public static void WriteTime(this BinaryWriter w, DateTimeOffset t) => w.Write(t.UtcTicks);
    public static DateTimeOffset ReadTime(this BinaryReader r) => new(r.ReadInt64(), TimeSpan.Zero);

    public static void WriteOptional(this BinaryWriter w, double? v)
    {
        w.Write(v.HasValue);
        if (v.HasValue) w.Write(v.Value);
    }

    public static double? ReadOptionalDouble(this BinaryReader r) => r.ReadBoolean() ? r.ReadDouble() : null;

    public static void WriteKey(this BinaryWriter w, IdempotencyKey key)
    {
        w.Write(key.ClientId);
        w.Write(key.Sequence);
    }

    public static IdempotencyKey ReadKey(this BinaryReader r) => new(r.ReadString(), r.ReadInt64());

    public static byte[] Encode(Action<BinaryWriter> write, int capacity = 256)
    {
        using var stream = new MemoryStream(capacity);
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(w);
        return stream.ToArray();
    }

    public static T Decode<T>(byte[] bytes, Func<BinaryReader, T> read)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), System.Text.Encoding.UTF8);
        var value = read(r);
        if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("trailing bytes after the message");
        return value;
    }
}
