using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace FedActors.Node.Tests;

/// <summary>
/// Loads a page in headless Chromium and returns the DOM after its scripts ran, for tests of the
/// node's dashboard (see docs/dashboard.md for the ids and attributes the page promises).
/// </summary>
/// <remarks>
/// Chromium's virtual time runs the page's timers (the dashboard refreshes every 2 s) without the
/// test waiting for them in wall-clock time; the budget is virtual time, paused while fetches are
/// in flight. Install the browser with <c>apt-get install -y chromium</c>.
/// </remarks>
public static class HeadlessBrowser
{
    /// <summary>The browser binary: <c>/usr/bin/chromium</c>, or <c>FEDACTORS_CHROMIUM</c> when set.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("FEDACTORS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Whether the browser binary exists (tests can skip when it does not).</summary>
    public static bool IsAvailable => File.Exists(ChromiumPath);

    /// <summary>Wall-clock time allowed beyond the virtual-time budget before the browser is killed.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <c>chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage
    /// --user-data-dir=&lt;temp&gt; --virtual-time-budget=&lt;ms&gt; --dump-dom &lt;url&gt;</c> and returns
    /// its standard output, the serialized DOM. Throws <see cref="InvalidOperationException"/> (with
    /// the browser's stderr) when Chromium is missing, cannot start, exits non-zero or hangs.
    /// The temporary profile directory is always deleted.
    /// </summary>
    public static async Task<string> DumpDomAsync(string url, TimeSpan budget)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (budget < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The virtual-time budget cannot be negative.");

        var chromium = ChromiumPath;
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"Headless Chromium not found at '{chromium}'. Install it with 'apt-get install -y chromium' " +
                "or point FEDACTORS_CHROMIUM at the binary.");
        }

        var profile = Path.Combine(Path.GetTempPath(), "fedactors-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            foreach (var arg in new[]
            {
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--virtual-time-budget=" + (long)Math.Ceiling(budget.TotalMilliseconds),
                "--dump-dom",
                url,
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = new Process { StartInfo = start };
            try
            {
                if (!process.Start())
                    throw new InvalidOperationException($"Chromium ('{chromium}') did not start.");
            }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException($"Chromium ('{chromium}') could not be started: {e.Message}", e);
            }

            // Read both pipes concurrently so neither can fill up and block the browser.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();

            using var timeout = new CancellationTokenSource(budget + Slack);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                TryKill(process);
                var partialErr = await TryGet(stderr).ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"Chromium did not finish loading '{url}' within {budget + Slack} (virtual budget {budget}); killed it. " +
                    $"stderr:\n{partialErr}");
            }

            var dom = await stdout.ConfigureAwait(false);
            var err = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"Chromium exited with code {process.ExitCode} loading '{url}'. stderr:\n{err}");
            }
            return dom;
        }
        finally
        {
            await DeleteProfileAsync(profile).ConfigureAwait(false);
        }
    }

    // ------------------------------------------------------------------ DOM helpers

    // A start tag as Chromium serializes it: attribute values always double-quoted, '"' escaped
    // as &quot; (a '>' may appear inside a value, so attributes are matched, not "[^>]*").
    private static readonly Regex StartTag = new(
        "<(?<name>[a-zA-Z][a-zA-Z0-9:-]*)(?<attrs>(?:\\s+[^\\s=>/\"']+(?:\\s*=\\s*(?:\"[^\"]*\"|'[^']*'|[^\\s>\"']+))?)*)\\s*/?>",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private static readonly Regex AttributePattern = new(
        "(?<name>[^\\s=>/\"']+)(?:\\s*=\\s*(?:\"(?<v>[^\"]*)\"|'(?<v>[^']*)'|(?<v>[^\\s>\"']+)))?",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>
    /// Every element that has both an <c>id</c> and a <c>data-value</c>: id -> data-value (HTML
    /// entities decoded; "" for a value the page shows as "–"). The first element wins if an id repeats.
    /// </summary>
    public static Dictionary<string, string> DataValues(string dom)
    {
        ArgumentNullException.ThrowIfNull(dom);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attrs in Elements(dom))
        {
            if (attrs.TryGetValue("id", out var id) && attrs.TryGetValue("data-value", out var value))
                values.TryAdd(id, value);
        }
        return values;
    }

    /// <summary>Whether the element with id <paramref name="panelId"/> has <c>data-rendered="true"</c>.</summary>
    public static bool IsRendered(string dom, string panelId)
    {
        var attrs = ElementAttributes(dom, panelId);
        return attrs is not null && attrs.TryGetValue("data-rendered", out var rendered) && rendered == "true";
    }

    /// <summary>The attributes of the first element with the given id, or null if there is none.</summary>
    public static IReadOnlyDictionary<string, string>? ElementAttributes(string dom, string id)
    {
        ArgumentNullException.ThrowIfNull(dom);
        ArgumentNullException.ThrowIfNull(id);
        foreach (var attrs in Elements(dom))
        {
            if (attrs.TryGetValue("id", out var found) && found == id)
                return attrs;
        }
        return null;
    }

    /// <summary>
    /// The attributes of the first <c>&lt;body&gt;</c> tag (the dashboard sets <c>data-loaded="true"</c>
    /// after its first complete refresh and <c>data-error</c> while the last refresh failed).
    /// </summary>
    public static IReadOnlyDictionary<string, string> BodyAttributes(string dom)
    {
        ArgumentNullException.ThrowIfNull(dom);
        foreach (Match tag in StartTag.Matches(dom))
        {
            if (string.Equals(tag.Groups["name"].Value, "body", StringComparison.OrdinalIgnoreCase))
                return ParseAttributes(tag.Groups["attrs"].Value);
        }
        return new Dictionary<string, string>(StringComparer.Ordinal);
    }

    private static IEnumerable<Dictionary<string, string>> Elements(string dom)
    {
        foreach (Match tag in StartTag.Matches(dom))
        {
            var text = tag.Groups["attrs"].Value;
            if (text.Length == 0)
                continue;
            yield return ParseAttributes(text);
        }
    }

    private static Dictionary<string, string> ParseAttributes(string text)
    {
        var attrs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match a in AttributePattern.Matches(text))
        {
            var value = a.Groups["v"].Success ? WebUtility.HtmlDecode(a.Groups["v"].Value) : "";
            attrs.TryAdd(a.Groups["name"].Value, value);
        }
        return attrs;
    }

    // ------------------------------------------------------------------ process plumbing

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        catch (Win32Exception)
        {
            // Could not kill (already gone or not ours); nothing more to do.
        }
    }

    private static async Task<string> TryGet(Task<string> read)
    {
        try
        {
            return await read.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException)
        {
            return "(stderr unavailable: " + e.Message + ")";
        }
    }

    // Chromium's helper processes can still be closing files when the main one exits; retry briefly.
    private static async Task DeleteProfileAsync(string profile)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(profile))
                    Directory.Delete(profile, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 9)
                    return; // leave a stray temp dir rather than fail the test over cleanup
                await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            }
        }
    }
}
