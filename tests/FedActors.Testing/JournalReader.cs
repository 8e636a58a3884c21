using Akka.Actor;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Serialization;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FedActors.Testing;

/// <summary>Reads the aggregator's events straight from the journal table (PostgreSQL or SQLite), decoded with the real serializer.</summary>
public static class JournalReader
{
    public static async Task<List<ModelAggregated>> AggregationsAsync(FedActors.Cluster.Configuration.JournalSettings journal, ActorSystem system,
        string persistenceId = "fl-aggregator")
    {
        await using DbConnection connection = journal.IsSqlite ? new SqliteConnection(journal.ConnectionString) : new NpgsqlConnection(journal.ConnectionString);
        await connection.OpenAsync();
        var columns = new List<string>();
        await using (var c = connection.CreateCommand())
        {
            c.CommandText = journal.IsSqlite ? "SELECT name FROM pragma_table_info('journal')" : "SELECT column_name FROM information_schema.columns WHERE table_name = 'journal'";
            await using var r = await c.ExecuteReaderAsync();
            while (await r.ReadAsync()) columns.Add(r.GetString(0));
        }
        string Pick(params string[] names) => names.FirstOrDefault(columns.Contains)
            ?? throw new InvalidOperationException($"journal table columns are {string.Join(", ", columns)}");
        string payload = Pick("message", "payload"), manifest = Pick("manifest"), sequence = Pick("sequence_number", "sequence_nr");

        var serializer = new JournalSerializer((ExtendedActorSystem)system);
        var events = new List<ModelAggregated>();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {payload}, {manifest} FROM journal WHERE persistence_id = @id ORDER BY {sequence}";
        var id = command.CreateParameter();
        id.ParameterName = "@id";
        id.Value = persistenceId;
        command.Parameters.Add(id);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            if (reader.GetString(1) == JournalSerializer.AggregatedV1)
                events.Add((ModelAggregated)serializer.FromBinary((byte[])reader[0], JournalSerializer.AggregatedV1));
        return events;
    }
}
