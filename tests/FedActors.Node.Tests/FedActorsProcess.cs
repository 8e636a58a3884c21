using System.Diagnostics;
using System.Text;

namespace FedActors.Node.Tests;

/// <summary>The `fedactors` executable run as a separate process, as a user runs it.</summary>
public sealed class FedActorsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();
    private readonly object _gate = new();

    private FedActorsProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _err.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_gate) return _out.ToString(); } }
    public string Stderr { get { lock (_gate) return _err.ToString(); } }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static FedActorsProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fedactors.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return new FedActorsProcess(Process.Start(info)!);
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        await using var p = Start(args);
        if (!await p.WaitAsync(timeout)) throw new TimeoutException($"fedactors {string.Join(' ', args)} did not exit: {p.Stdout}{p.Stderr}");
        return (p.ExitCode, p.Stdout, p.Stderr);
    }

    public async Task<bool> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Waits for a line "NAME=value" on stdout.</summary>
    public async Task<string> WaitForLine(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = Stdout.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(name + "=", StringComparison.Ordinal));
            if (line is not null) return line[(name.Length + 1)..];
            if (_process.HasExited) throw new InvalidOperationException($"fedactors exited ({_process.ExitCode}) before printing {name}: {Stdout}{Stderr}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"fedactors did not print {name}= in time: {Stdout}{Stderr}");
    }

    /// <summary>SIGTERM: the process shuts down as it would under a service manager.</summary>
    public void Terminate() => Posix.Signal(_process.Id, 15);

    /// <summary>SIGKILL: gone at once, no shutdown.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    private static class Posix
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int kill(int pid, int signal);

        public static void Signal(int pid, int signal)
        {
            if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed");
        }
    }
}
