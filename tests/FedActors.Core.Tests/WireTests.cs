using System.Text;
using FedActors.Core.Clients;
using FedActors.Core.Model;
using FedActors.Core.Wire;
using FsCheck;
using FsCheck.Xunit;

namespace FedActors.Core.Tests;

public class WireTests
{
    /// <summary>The seed's client update, with the worked example of docs/wire-format.md: weights (1.0, -2.5).</summary>
    private const string SeedUpdate = """
        {
          "client_id": "client_001",
          "timestamp": "2025-06-01T10:30:00Z",
          "model_version": 15,
          "update_type": "delta",
          "data": {
            "weights": "AACAPwAAIMA=",
            "num_samples": 1000,
            "training_loss": 0.234,
            "training_accuracy": 0.876
          },
          "metadata": {
            "training_duration": 45.2,
            "staleness": 2,
            "client_resources": { "cpu_cores": 4, "memory_gb": 8, "gpu_available": false }
          }
        }
        """;

    [Fact]
    public void Base64_of_little_endian_float32_matches_the_worked_example()
    {
        // 1.0f = 00 00 80 3F, -2.5f = 00 00 20 C0 (little-endian) -> base64 AACAPwAAIMA=
        Assert.Equal("AACAPwAAIMA=", JsonWire.ToBase64([1.0f, -2.5f]));
        Assert.Equal(new[] { 1.0f, -2.5f }, JsonWire.FromBase64("AACAPwAAIMA="));
    }

    [Fact]
    public void The_seeds_update_message_decodes_field_for_field()
    {
        var d = JsonWire.DecodeUpdate(Encoding.UTF8.GetBytes(SeedUpdate));
        var u = d.Update;
        Assert.Equal("client_001", u.ClientId);
        Assert.Equal(new ModelVersion(15), u.BaseVersion);
        Assert.Equal(UpdateKind.Delta, u.Kind);
        Assert.Equal(new[] { 1.0f, -2.5f }, u.Parameters.ToArray());
        Assert.Equal(1000, u.NumSamples);
        Assert.Equal(0.234, u.TrainingLoss);
        Assert.Equal(0.876, u.TrainingAccuracy);
        Assert.Equal(TimeSpan.FromSeconds(45.2), u.TrainingDuration);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 10, 30, 0, TimeSpan.Zero), d.Timestamp);
        Assert.Equal(2, d.ReportedStaleness);
        Assert.Equal(new ClientCapabilities(4, 8, false), d.Resources);
        // Without a "sequence" field the idempotency sequence is the timestamp in milliseconds.
        Assert.Equal(d.Timestamp.ToUnixTimeMilliseconds(), u.Sequence);
    }

    [Fact]
    public void Base64_escaped_by_another_JSON_library_still_decodes()
    {
        // "/" and "+" escaped as some libraries write them: "\/" and "\u002B".
        var values = new[] { BitConverter.Int32BitsToSingle(unchecked((int)0xFBFFFFFF)), 1.0f };   // base64 starts with "///7"
        string base64 = JsonWire.ToBase64(values);
        Assert.Contains("/", base64);
        var json = SeedUpdate.Replace("AACAPwAAIMA=", base64.Replace("/", "\\/").Replace("+", "\\u002B"));
        Assert.Equal(values, JsonWire.DecodeUpdate(Encoding.UTF8.GetBytes(json)).Update.Parameters.ToArray());
    }

    [Fact]
    public void The_seeds_gradient_type_is_accepted()
    {
        var d = JsonWire.DecodeUpdate(Encoding.UTF8.GetBytes(SeedUpdate.Replace("\"delta\"", "\"gradient\"")));
        Assert.Equal(UpdateKind.Gradient, d.Update.Kind);
    }

    [Property(MaxTest = 100)]
    public bool JSON_and_binary_decode_to_the_same_update(int seed, bool withOptional)
    {
        var rng = new Random(seed);
        var values = Enumerable.Range(0, rng.Next(0, 300)).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray();
        if (values.Length > 2) { values[0] = float.Epsilon; values[1] = -0f; }
        var update = new ClientUpdate($"client-{rng.Next()}-é", rng.Next(), new ModelVersion(rng.Next(0, 1000)),
            (UpdateKind)rng.Next(1, 4), values, rng.Next(1, 100000),
            withOptional ? rng.NextDouble() : null, withOptional ? rng.NextDouble() : null, withOptional ? TimeSpan.FromSeconds(12.5) : null);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000 + rng.Next());
        var resources = withOptional ? new ClientCapabilities(8, 15.5, true) : null;
        long? staleness = withOptional ? 3 : null;
        var fromJson = UpdateCodec.Decode(UpdateCodec.JsonContentType, JsonWire.EncodeUpdate(update, at, resources, staleness));
        var fromBinary = UpdateCodec.Decode(BinaryWire.ContentType, BinaryWire.EncodeUpdate(update, at, resources, staleness));
        static object Shape(DecodedUpdate d) => (d.Update with { Parameters = default }, d.Timestamp, d.Resources, d.ReportedStaleness);
        return Shape(fromJson).Equals(Shape(fromBinary))
               && fromJson.Update.Parameters.Span.SequenceEqual(values)
               && fromBinary.Update.Parameters.Span.SequenceEqual(values)
               && (fromJson.Update with { Parameters = default }) == (update with { Parameters = default });
    }

    public static TheoryData<string, string, WireRejectReason, string> Malformed() => new()
    {
        { "not JSON", "{ this is not json", WireRejectReason.NotJson, "not JSON" },
        { "an array", "[1, 2]", WireRejectReason.InvalidField, "'message'" },
        { "no client id", SeedUpdate.Replace("\"client_id\": \"client_001\",", ""), WireRejectReason.MissingField, "'client_id'" },
        { "no data", Strip(SeedUpdate, "\"data\""), WireRejectReason.MissingField, "'data'" },
        { "no weights", SeedUpdate.Replace("\"weights\": \"AACAPwAAIMA=\",", ""), WireRejectReason.MissingField, "'weights'" },
        { "no num_samples", SeedUpdate.Replace("\"num_samples\": 1000,", ""), WireRejectReason.MissingField, "'num_samples'" },
        { "bad base64", SeedUpdate.Replace("AACAPwAAIMA=", "AACAP!!AAIMA="), WireRejectReason.InvalidBase64, "data.weights" },
        { "5 bytes", SeedUpdate.Replace("AACAPwAAIMA=", "AACAPwA="), WireRejectReason.WrongLength, "5 bytes" },
        { "unknown kind", SeedUpdate.Replace("\"delta\"", "\"hessian\""), WireRejectReason.InvalidField, "'hessian'" },
        { "text version", SeedUpdate.Replace("\"model_version\": 15", "\"model_version\": \"15\""), WireRejectReason.InvalidField, "'model_version'" },
        { "negative version", SeedUpdate.Replace("\"model_version\": 15", "\"model_version\": -1"), WireRejectReason.InvalidField, "'model_version'" },
        { "bad time", SeedUpdate.Replace("2025-06-01T10:30:00Z", "yesterday"), WireRejectReason.InvalidField, "'timestamp'" },
        { "weights not a string", SeedUpdate.Replace("\"AACAPwAAIMA=\"", "[1, 2]"), WireRejectReason.InvalidField, "data.weights" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Every_malformed_JSON_update_gets_its_reason_and_a_sentence(string why, string json, WireRejectReason reason, string mentions)
    {
        var e = Assert.Throws<WireFormatException>(() => JsonWire.DecodeUpdate(Encoding.UTF8.GetBytes(json)));
        Assert.True(reason == e.Reason, $"{why}: {e.Reason} ({e.Message})");
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void An_oversize_message_is_refused_before_it_is_parsed()
    {
        var e = Assert.Throws<WireFormatException>(() => JsonWire.DecodeUpdate(Encoding.UTF8.GetBytes(SeedUpdate), maxMessageBytes: 100));
        Assert.Equal(WireRejectReason.Oversize, e.Reason);
        Assert.Equal(WireRejectReason.Oversize,
            Assert.Throws<WireFormatException>(() => BinaryWire.DecodeUpdate(new byte[200], maxMessageBytes: 100)).Reason);
    }

    [Fact]
    public void Every_truncation_of_a_binary_update_is_refused_as_such()
    {
        var bytes = BinaryWire.EncodeUpdate(new ClientUpdate("c", 1, new ModelVersion(2), UpdateKind.Weights, new float[] { 1, 2, 3 }, 10, 0.5, 0.9),
            DateTimeOffset.UnixEpoch, new ClientCapabilities(1, 2, true), 4);
        for (int n = 0; n < bytes.Length; n++)
        {
            var e = Assert.Throws<WireFormatException>(() => BinaryWire.DecodeUpdate(bytes.AsSpan(0, n)));
            Assert.Contains(e.Reason, new[] { WireRejectReason.WrongLength, WireRejectReason.UnknownVersion });
        }
        Assert.Equal(3, BinaryWire.DecodeUpdate(bytes).Update.Parameters.Length);
    }

    [Fact]
    public void Unknown_binary_versions_and_content_types_are_refused()
    {
        var bytes = BinaryWire.EncodeUpdate(new ClientUpdate("c", 1, new ModelVersion(0), UpdateKind.Delta, new float[2], 10), DateTimeOffset.UnixEpoch);
        bytes[3] = 9;
        Assert.Contains("version 9", Assert.Throws<WireFormatException>(() => BinaryWire.DecodeUpdate(bytes)).Message);
        var e = Assert.Throws<WireFormatException>(() => UpdateCodec.Decode("application/xml", bytes));
        Assert.Equal(WireRejectReason.UnknownVersion, e.Reason);
    }

    [Fact]
    public void The_other_seed_messages_round_trip()
    {
        var broadcast = new ModelBroadcast(new ModelVersion(16), new DateTimeOffset(2025, 6, 1, 10, 31, 0, TimeSpan.Zero), 12,
            "fedavg_staleness_aware", 0.198, 0.892, new float[] { 0.5f, -1f }, 100, 5);
        var b = JsonWire.DecodeBroadcast(JsonWire.EncodeBroadcast(broadcast));
        Assert.Equal(broadcast with { Parameters = default }, b with { Parameters = default });
        Assert.Equal(broadcast.Parameters.ToArray(), b.Parameters.ToArray());
        var json = Encoding.UTF8.GetString(JsonWire.EncodeBroadcast(broadcast));
        Assert.Contains("\"aggregation_info\":{\"num_clients_participated\":12,\"aggregation_method\":\"fedavg_staleness_aware\"", json);
        Assert.Contains("\"client_selection_criteria\":{\"min_samples\":100,\"max_staleness\":5}", json);

        var registration = new Registration("client_002", DateTimeOffset.UnixEpoch, new ClientCapabilities(2, 4, true));
        Assert.Equal(registration, JsonWire.DecodeRegistration(JsonWire.EncodeRegistration(registration)));
        var heartbeat = new Heartbeat("client_002", DateTimeOffset.UnixEpoch, new ModelVersion(7));
        Assert.Equal(heartbeat, JsonWire.DecodeHeartbeat(JsonWire.EncodeHeartbeat(heartbeat)));
        var evt = new SystemEvent("update_rejected", DateTimeOffset.UnixEpoch, "client_003", "invalid_base64", "weights is not valid base64", 4, "fl_client_updates_async/3@17");
        Assert.Equal(evt, JsonWire.DecodeSystemEvent(JsonWire.EncodeSystemEvent(evt)));
    }

    private static string Strip(string json, string field)
    {
        int start = json.IndexOf(field, StringComparison.Ordinal);
        int end = json.IndexOf('}', start) + 1;
        return json.Remove(start, end - start + 1);   // the object and the comma after it
    }
}
