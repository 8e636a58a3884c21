using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Serialization;
using Npgsql;

namespace FedActors.Cluster.Tests;

/// <summary>Reads the aggregator's events straight from the PostgreSQL journal table, decoded with the real serializer.</summary>
internal static class JournalReader
{
    public static async Task<List<ModelAggregated>> AggregationsAsync(string connectionString, ActorSystem system, string persistenceId = "fl-aggregator")
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var columns = new List<string>();
        await using (var c = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_name = 'journal'", connection))
        await using (var r = await c.ExecuteReaderAsync())
            while (await r.ReadAsync()) columns.Add(r.GetString(0));
        string Pick(params string[] names) => names.FirstOrDefault(columns.Contains)
            ?? throw new InvalidOperationException($"journal table columns are {string.Join(", ", columns)}");
        string payload = Pick("message", "payload"), manifest = Pick("manifest"), sequence = Pick("sequence_number", "sequence_nr");

        var serializer = new JournalSerializer((ExtendedActorSystem)system);
        var events = new List<ModelAggregated>();
        await using var command = new NpgsqlCommand(
            $"SELECT {payload}, {manifest} FROM journal WHERE persistence_id = @id ORDER BY {sequence}", connection);
        command.Parameters.AddWithValue("id", persistenceId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            if (reader.GetString(1) == JournalSerializer.AggregatedV1)
                events.Add((ModelAggregated)serializer.FromBinary((byte[])reader[0], JournalSerializer.AggregatedV1));
        return events;
    }
}
