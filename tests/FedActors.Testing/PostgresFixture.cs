using System.Diagnostics;
using Npgsql;
using Xunit;

namespace FedActors.Testing;

/// <summary>
/// A throwaway PostgreSQL server for the tests: initdb into a temporary folder, started on a free loopback port,
/// stopped and deleted afterwards. Needs the server binaries (.ci/run installs the Debian package).
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private string _dir = "";
    private string _bin = "";
    private int _databases;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
            throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install them with: apt-get install -y postgresql");
        _dir = Directory.CreateTempSubdirectory("fedactors-pg-").FullName;
        Port = TestNode.FreePort();
        bool root = Environment.UserName == "root";
        if (root) await Run("chown", $"postgres:postgres {_dir}");
        var data = Path.Combine(_dir, "data");
        await RunAsPostgres(root, "initdb", $"-D {data} -U postgres --auth=trust -E UTF8 --no-sync");
        await RunAsPostgres(root, "pg_ctl", $"-D {data} -l {Path.Combine(_dir, "log")} -w -t 60 -o \"-p {Port} -c listen_addresses=127.0.0.1 -k {_dir} -c fsync=off\" start");
    }

    /// <summary>A new empty database, so tests do not see each other's journals.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        string name = $"fedactors_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..30];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true";

    public async Task DisposeAsync()
    {
        if (_dir.Length == 0) return;
        NpgsqlConnection.ClearAllPools();
        try { await RunAsPostgres(Environment.UserName == "root", "pg_ctl", $"-D {Path.Combine(_dir, "data")} -m fast -w stop"); }
        finally { Directory.Delete(_dir, recursive: true); }
    }

    private Task RunAsPostgres(bool root, string tool, string arguments) =>
        root ? Run("runuser", $"-u postgres -- {Path.Combine(_bin, tool)} {arguments}") : Run(Path.Combine(_bin, tool), arguments);

    private static async Task Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {await error}{await output}");
    }
}

