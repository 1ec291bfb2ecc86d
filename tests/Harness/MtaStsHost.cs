using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// nginx (Debian package) as the policy host of several domains' MTA-STS (RFC 8461 §3.3):
/// HTTPS on port 443 of one loopback address, one server block per <c>mta-sts.DOMAIN</c> with
/// its own certificate, serving <c>/.well-known/mta-sts.txt</c> as <c>text/plain</c>.
/// </summary>
public sealed class MtaStsHost : IAsyncDisposable
{
    private readonly string directory;
    private readonly ManagedProcess process;

    private MtaStsHost(string directory, ManagedProcess process)
    {
        this.directory = directory;
        this.process = process;
    }

    public string AccessLog => Path.Combine(directory, "access.log");

    /// <summary>Serves each domain's policy text under a certificate (chain, key) for <c>mta-sts.DOMAIN</c>.</summary>
    public static async Task<MtaStsHost> StartAsync(string directory, IPAddress address, IEnumerable<(string Domain, string Policy, string Chain, string Key)> domains)
    {
        Directory.CreateDirectory(Path.Combine(directory, "tmp"));
        var servers = new List<string>();
        foreach (var (domain, policy, chain, key) in domains)
        {
            var root = Directory.CreateDirectory(Path.Combine(directory, "www", domain, ".well-known")).FullName;
            await File.WriteAllTextAsync(Path.Combine(root, "mta-sts.txt"), policy);
            servers.Add($$"""
                server {
                    listen {{address}}:443 ssl;
                    server_name mta-sts.{{domain}};
                    ssl_certificate {{chain}};
                    ssl_certificate_key {{key}};
                    root {{directory}}/www/{{domain}};
                    default_type text/plain;
                    location / { try_files $uri =404; }
                }
                """);
        }

        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, Nginx.Config(directory, $$"""
                log_format policy '$host "$request" $status';
                access_log {{directory}}/access.log policy;
                types { }
            {{string.Join("\n", servers)}}
            """));
        var process = ManagedProcess.StartExecutable("nginx", ["-c", config, "-p", directory, "-e", Path.Combine(directory, "error.log")], Path.Combine(directory, "nginx.log"));
        await Wait.UntilAsync(() => process.HasExited || FreePort.Accepts(new IPEndPoint(address, 443)), "nginx serves the MTA-STS policies");
        return process.HasExited
            ? throw new InvalidOperationException($"nginx failed: {process.Output} {await File.ReadAllTextAsync(Path.Combine(directory, "error.log"))}")
            : new MtaStsHost(directory, process);
    }

    /// <summary>How many times a domain's policy was fetched.</summary>
    public int Fetches(string domain) =>
        File.Exists(AccessLog) ? File.ReadLines(AccessLog).Count(l => l.Contains("/.well-known/mta-sts.txt", StringComparison.Ordinal) && l.Contains(domain, StringComparison.Ordinal)) : 0;

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
