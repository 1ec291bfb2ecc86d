using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Debian's rspamd with a private copy of its variable directories: its normal worker on
/// <c>Endpoint</c> (the controller and the milter proxy off) — or, as a milter, its proxy worker
/// there scanning itself (the normal worker off) — no Redis (the checks used need none),
/// hyperscan off (compiling its expressions would take longer than the test), and its milter
/// headers added for every client, local ones too.
/// </summary>
public sealed class Rspamd(ManagedProcess process, IPEndPoint endpoint) : IAsyncDisposable
{
    public IPEndPoint Endpoint => endpoint;

    /// <param name="dns">
    /// Where its DNS questions go (RBLs, SPF, URL lists); by default the system's resolver, which
    /// on a machine without one makes every check wait out its DNS timeout.
    /// </param>
    public static async Task<Rspamd> StartAsync(string directory, IPEndPoint endpoint, bool milter = false, IPEndPoint? dns = null)
    {
        foreach (var sub in new[] { "local.d", "override.d", "db", "run", "log" })
        {
            Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "override.d", "worker-controller.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "override.d", milter ? "worker-normal.inc" : "worker-proxy.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "local.d", milter ? "worker-proxy.inc" : "worker-normal.inc"), milter
            ? $"bind_socket = \"{endpoint}\";\nmilter = yes;\ntimeout = 120s;\nupstream \"local\" {{ default = yes; self_scan = yes; }}\n"
            : $"bind_socket = \"{endpoint}\";\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "local.d", "options.inc"),
            "disable_hyperscan = true;\n" + (dns is null ? "" : $"dns {{ nameserver = [\"{dns}\"]; timeout = 1s; retransmits = 1; }}\n"));
        await File.WriteAllTextAsync(Path.Combine(directory, "local.d", "logging.inc"), "type = \"console\";\nlevel = \"warning\";\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "local.d", "milter_headers.conf"), "use = [\"x-spamd-result\", \"x-rspamd-server\"];\nskip_local = false;\nskip_authenticated = false;\n");
        var process = ManagedProcess.StartExecutable("rspamd",
        [
            "-f", "-i", "-u", "root", "-g", "root", "-c", "/etc/rspamd/rspamd.conf",
            "--var", $"LOCAL_CONFDIR={directory}", "--var", $"DBDIR={Path.Combine(directory, "db")}",
            "--var", $"RUNDIR={Path.Combine(directory, "run")}", "--var", $"LOGDIR={Path.Combine(directory, "log")}",
        ], Path.Combine(directory, "rspamd.log"));
        var rspamd = new Rspamd(process, endpoint);
        if (milter)
        {
            await Wait.UntilAsync(() => FreePort.Accepts(endpoint), $"rspamd's milter listens on {endpoint}", TimeSpan.FromSeconds(90));
            return rspamd;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Wait.UntilAsync(async () =>
        {
            try
            {
                return (await http.GetAsync(new Uri($"http://{endpoint}/ping"))).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"rspamd answers on {endpoint}", TimeSpan.FromSeconds(90));
        return rspamd;
    }

    public int ProcessId => process.Id;

    public Task StopAsync() => process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
