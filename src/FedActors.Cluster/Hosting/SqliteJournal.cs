using Microsoft.Data.Sqlite;

namespace FedActors.Cluster.Hosting;

/// <summary>SQLite as the embedded journal.</summary>
public static class SqliteJournal
{
    /// <summary>
    /// Write-ahead logging: a persistent property of the database file, set once before the journal opens it
    /// (shared/notes: 1,833 vs 690 Persist/s here, and readers do not block the writer).
    /// </summary>
    public static void EnableWal(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:")
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteScalar();
    }
}
