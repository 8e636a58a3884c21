using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using FedActors.Core.Clients;
using FedActors.Core.Model;

namespace FedActors.Core.Wire;

/// <summary>
/// The seed's JSON messages, field for field (docs/wire-format.md). Parameters are base64 of little-endian float32.
/// Decoding reads the UTF-8 bytes once and decodes the base64 straight into the float array; every malformed input
/// gets a <see cref="WireFormatException"/> with its reason, never another exception.
/// </summary>
public static class JsonWire
{
    /// <summary>Bigger messages are refused before they are parsed (default 64 MiB: a 12M-parameter model in base64).</summary>
    public const int DefaultMaxMessageBytes = 64 << 20;

    static JsonWire()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the wire format is little-endian");
    }

    public static DecodedUpdate DecodeUpdate(ReadOnlyMemory<byte> utf8, int maxMessageBytes = DefaultMaxMessageBytes)
    {
        if (utf8.Length > maxMessageBytes)
            throw new WireFormatException(WireRejectReason.Oversize, $"message of {utf8.Length} bytes is above the limit of {maxMessageBytes}");
        try
        {
            using var doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 16 });   // parsed in place, not copied
            var root = Object(doc.RootElement, "message");
            string clientId = String(root, "client_id");
            var timestamp = Timestamp(root, "timestamp");
            long baseVersion = Long(root, "model_version");
            if (baseVersion < 0) throw Invalid("model_version", "must be >= 0");
            string kindName = String(root, "update_type");
            if (!UpdateKinds.TryParse(kindName, out var kind))
                throw Invalid("update_type", $"'{kindName}' is not weights, delta or gradient");
            long sequence = root.TryGetProperty("sequence", out var seq) ? LongOf(seq, "sequence") : timestamp.ToUnixTimeMilliseconds();

            var data = Object(Required(root, "data"), "data");
            var parameters = Floats(Required(data, "weights"), "data.weights");
            long samples = Long(data, "num_samples");
            double? loss = OptionalDouble(data, "training_loss");
            double? accuracy = OptionalDouble(data, "training_accuracy");

            double? duration = null;
            long? reportedStaleness = null;
            ClientCapabilities? resources = null;
            if (root.TryGetProperty("metadata", out var metadataElement) && metadataElement.ValueKind != JsonValueKind.Null)
            {
                var metadata = Object(metadataElement, "metadata");
                duration = OptionalDouble(metadata, "training_duration");
                if (metadata.TryGetProperty("staleness", out var s) && s.ValueKind != JsonValueKind.Null) reportedStaleness = LongOf(s, "metadata.staleness");
                if (metadata.TryGetProperty("client_resources", out var r) && r.ValueKind != JsonValueKind.Null) resources = Capabilities(r, "metadata.client_resources");
            }

            var update = new ClientUpdate(clientId, sequence, new ModelVersion(baseVersion), kind, parameters, samples, loss, accuracy,
                duration is { } d ? TimeSpan.FromSeconds(d) : null);
            return new DecodedUpdate(update, timestamp, resources, reportedStaleness);
        }
        catch (JsonException e)
        {
            throw new WireFormatException(WireRejectReason.NotJson, $"not JSON: {e.Message}");
        }
    }

    public static byte[] EncodeUpdate(ClientUpdate update, DateTimeOffset timestamp, ClientCapabilities? resources = null, long? reportedStaleness = null) =>
        Write(w =>
        {
            w.WriteString("client_id", update.ClientId);
            w.WriteString("timestamp", Format(timestamp));
            w.WriteNumber("model_version", update.BaseVersion.Value);
            w.WriteString("update_type", update.Kind.WireName());
            w.WriteNumber("sequence", update.Sequence);
            w.WriteStartObject("data");
            WriteFloats(w, "weights", update.Parameters.Span);
            w.WriteNumber("num_samples", update.NumSamples);
            WriteOptional(w, "training_loss", update.TrainingLoss);
            WriteOptional(w, "training_accuracy", update.TrainingAccuracy);
            w.WriteEndObject();
            w.WriteStartObject("metadata");
            WriteOptional(w, "training_duration", update.TrainingDuration?.TotalSeconds);
            if (reportedStaleness is { } s) w.WriteNumber("staleness", s);
            if (resources is not null) WriteCapabilities(w, "client_resources", resources);
            w.WriteEndObject();
        }, 256 + update.Parameters.Length * 6);

    public static byte[] EncodeBroadcast(ModelBroadcast b) =>
        Write(w =>
        {
            w.WriteNumber("model_version", b.Version.Value);
            w.WriteString("timestamp", Format(b.Timestamp));
            w.WriteStartObject("aggregation_info");
            w.WriteNumber("num_clients_participated", b.NumClientsParticipated);
            w.WriteString("aggregation_method", b.AggregationMethod);
            WriteOptional(w, "global_loss", b.GlobalLoss);
            WriteOptional(w, "global_accuracy", b.GlobalAccuracy);
            w.WriteEndObject();
            WriteFloats(w, "model_data", b.Parameters.Span);
            w.WriteStartObject("client_selection_criteria");
            w.WriteNumber("min_samples", b.MinSamples);
            w.WriteNumber("max_staleness", b.MaxStaleness);
            w.WriteEndObject();
        }, 512 + b.Parameters.Length * 6);

    public static ModelBroadcast DecodeBroadcast(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            var root = Object(doc.RootElement, "message");
            var info = Object(Required(root, "aggregation_info"), "aggregation_info");
            var criteria = root.TryGetProperty("client_selection_criteria", out var c) ? Object(c, "client_selection_criteria") : default;
            return new ModelBroadcast(
                new ModelVersion(Long(root, "model_version")), Timestamp(root, "timestamp"),
                (int)Long(info, "num_clients_participated"), String(info, "aggregation_method"),
                OptionalDouble(info, "global_loss"), OptionalDouble(info, "global_accuracy"),
                Floats(Required(root, "model_data"), "model_data"),
                criteria.ValueKind == JsonValueKind.Object ? Long(criteria, "min_samples") : 0,
                criteria.ValueKind == JsonValueKind.Object ? Long(criteria, "max_staleness") : 0);
        }
        catch (JsonException e)
        {
            throw new WireFormatException(WireRejectReason.NotJson, $"not JSON: {e.Message}");
        }
    }

    public static byte[] EncodeRegistration(Registration r) => Write(w =>
    {
        w.WriteString("client_id", r.ClientId);
        w.WriteString("timestamp", Format(r.Timestamp));
        WriteCapabilities(w, "capabilities", r.Capabilities);
    });

    public static Registration DecodeRegistration(ReadOnlyMemory<byte> utf8) => Parse(utf8, root =>
        new Registration(String(root, "client_id"), Timestamp(root, "timestamp"), Capabilities(Required(root, "capabilities"), "capabilities")));

    public static byte[] EncodeHeartbeat(Heartbeat h) => Write(w =>
    {
        w.WriteString("client_id", h.ClientId);
        w.WriteString("timestamp", Format(h.Timestamp));
        if (h.ModelVersion is { } v) w.WriteNumber("model_version", v.Value);
    });

    public static Heartbeat DecodeHeartbeat(ReadOnlyMemory<byte> utf8) => Parse(utf8, root =>
        new Heartbeat(String(root, "client_id"), Timestamp(root, "timestamp"),
            root.TryGetProperty("model_version", out var v) && v.ValueKind != JsonValueKind.Null ? new ModelVersion(LongOf(v, "model_version")) : null));

    public static byte[] EncodeInvitation(InvitationMessage i) => Write(w =>
    {
        w.WriteString("client_id", i.ClientId);
        w.WriteNumber("model_version", i.ModelVersion.Value);
        w.WriteString("timestamp", Format(i.Timestamp));
        w.WriteString("report_by", Format(i.ReportBy));
        w.WriteString("selection_strategy", i.SelectionStrategy);
        w.WriteStartObject("client_selection_criteria");
        w.WriteNumber("min_samples", i.MinSamples);
        w.WriteNumber("max_staleness", i.MaxStaleness);
        w.WriteEndObject();
    });

    public static InvitationMessage DecodeInvitation(ReadOnlyMemory<byte> utf8) => Parse(utf8, root =>
    {
        var criteria = Object(Required(root, "client_selection_criteria"), "client_selection_criteria");
        return new InvitationMessage(String(root, "client_id"), new ModelVersion(Long(root, "model_version")), Timestamp(root, "timestamp"),
            Timestamp(root, "report_by"), String(root, "selection_strategy"), Long(criteria, "min_samples"), Long(criteria, "max_staleness"));
    });

    public static byte[] EncodeSystemEvent(SystemEvent e) => Write(w =>
    {
        w.WriteString("event_type", e.EventType);
        w.WriteString("timestamp", Format(e.Timestamp));
        if (e.ClientId is not null) w.WriteString("client_id", e.ClientId);
        if (e.Reason is not null) w.WriteString("reason", e.Reason);
        if (e.Detail is not null) w.WriteString("detail", e.Detail);
        if (e.ModelVersion is { } v) w.WriteNumber("model_version", v);
        if (e.Source is not null) w.WriteString("source", e.Source);
    });

    public static SystemEvent DecodeSystemEvent(ReadOnlyMemory<byte> utf8) => Parse(utf8, root =>
        new SystemEvent(String(root, "event_type"), Timestamp(root, "timestamp"),
            OptionalString(root, "client_id"), OptionalString(root, "reason"), OptionalString(root, "detail"),
            root.TryGetProperty("model_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null,
            OptionalString(root, "source")));

    /// <summary>Base64 of little-endian float32, as the seed's "weights" and "model_data" fields carry.</summary>
    public static string ToBase64(ReadOnlySpan<float> values) => Convert.ToBase64String(MemoryMarshal.AsBytes(values));

    public static float[] FromBase64(string base64, string field = "weights")
    {
        var utf8 = System.Text.Encoding.ASCII.GetBytes(base64);
        return DecodeFloats(utf8, field);
    }

    private static float[] Floats(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.String) throw Invalid(field, "must be a base64 string");
        // Decode from the raw UTF-8 value (no intermediate string) unless a JSON library escaped something in it,
        // as some write "\/" or "\u002B" for the base64 alphabet's '/' and '+'.
        var raw = JsonMarshal.GetRawUtf8Value(element);
        var inner = raw[1..^1];
        return inner.IndexOf((byte)'\\') < 0
            ? DecodeFloats(inner, field)
            : DecodeFloats(System.Text.Encoding.ASCII.GetBytes(element.GetString()!), field);
    }

    private static float[] DecodeFloats(ReadOnlySpan<byte> base64, string field)
    {
        int maxBytes = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
        var floats = new float[(maxBytes + 3) / 4];
        var bytes = MemoryMarshal.AsBytes(floats.AsSpan());
        var status = Base64.DecodeFromUtf8(base64, bytes, out int consumed, out int written);
        if (status != OperationStatus.Done || consumed != base64.Length)
            throw new WireFormatException(WireRejectReason.InvalidBase64, $"{field} is not valid base64 (at character {consumed})");
        if (written % 4 != 0)
            throw new WireFormatException(WireRejectReason.WrongLength, $"{field} decodes to {written} bytes, not a whole number of float32");
        return written / 4 == floats.Length ? floats : floats.AsSpan(0, written / 4).ToArray();
    }

    private static T Parse<T>(ReadOnlyMemory<byte> utf8, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            return read(Object(doc.RootElement, "message"));
        }
        catch (JsonException e)
        {
            throw new WireFormatException(WireRejectReason.NotJson, $"not JSON: {e.Message}");
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body, int capacity = 256)
    {
        var buffer = new ArrayBufferWriter<byte>(capacity);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    // Base64's '+' and '/' are written as they are; the default encoder would escape '+' for HTML safety.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void WriteFloats(Utf8JsonWriter w, string name, ReadOnlySpan<float> values)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(bytes.Length)];
        Base64.EncodeToUtf8(bytes, encoded, out _, out int written);
        w.WriteString(name, encoded.AsSpan(0, written));   // base64 needs no escaping
    }

    private static void WriteCapabilities(Utf8JsonWriter w, string name, ClientCapabilities c)
    {
        w.WriteStartObject(name);
        w.WriteNumber("cpu_cores", c.CpuCores);
        w.WriteNumber("memory_gb", c.MemoryGb);
        w.WriteBoolean("gpu_available", c.GpuAvailable);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
    }

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static JsonElement Object(JsonElement e, string field) =>
        e.ValueKind == JsonValueKind.Object ? e : throw Invalid(field, "must be a JSON object");

    private static JsonElement Required(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null
            ? e : throw new WireFormatException(WireRejectReason.MissingField, $"field '{name}' is missing");

    private static string String(JsonElement parent, string name)
    {
        var e = Required(parent, name);
        return e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Invalid(name, "must be a string");
    }

    private static string? OptionalString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static long Long(JsonElement parent, string name) => LongOf(Required(parent, name), name);

    private static long LongOf(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : throw Invalid(name, "must be an integer");

    private static double? OptionalDouble(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        return e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Invalid(name, "must be a number");
    }

    private static DateTimeOffset Timestamp(JsonElement parent, string name)
    {
        string s = String(parent, name);
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : throw Invalid(name, $"'{s}' is not an ISO 8601 time");
    }

    private static ClientCapabilities Capabilities(JsonElement e, string field)
    {
        var o = Object(e, field);
        int cores = o.TryGetProperty("cpu_cores", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var ci) ? ci : 0;
        double memory = o.TryGetProperty("memory_gb", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetDouble() : 0;
        bool gpu = o.TryGetProperty("gpu_available", out var g) && g.ValueKind == JsonValueKind.True;
        return new ClientCapabilities(cores, memory, gpu);
    }

    private static WireFormatException Invalid(string field, string rule) => new(WireRejectReason.InvalidField, $"field '{field}' {rule}");
}
