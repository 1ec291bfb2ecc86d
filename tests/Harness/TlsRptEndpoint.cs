using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// nginx (Debian package) as a TLS report endpoint (RFC 8460 §5.2): HTTPS on port 443 of one
/// loopback address for one host name, taking POSTs at <see cref="Path"/>. nginx keeps every
/// request body it reads in a file (<c>client_body_in_file_only on</c>), and its access log
/// names the file with the request's method and content type.
/// </summary>
public sealed class TlsRptEndpoint : IAsyncDisposable
{
    public const string Path = "/v1/tlsrpt";

    private readonly string directory;
    private readonly ManagedProcess process;

    private TlsRptEndpoint(string directory, ManagedProcess process)
    {
        this.directory = directory;
        this.process = process;
    }

    public static async Task<TlsRptEndpoint> StartAsync(string directory, IPAddress address, string host, string chain, string key)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "tmp"));
        var config = System.IO.Path.Combine(directory, "nginx.conf");
        // nginx reads a body only for a handler that needs it: the POST goes on to a second server that answers 200.
        var upstream = new IPEndPoint(address, FreePort.On(address));
        await File.WriteAllTextAsync(config, Nginx.Config(directory, $$"""
                log_format rua '$request_method $uri "$content_type" $status $request_body_file';
                server {
                    listen {{address}}:443 ssl;
                    server_name {{host}};
                    ssl_certificate {{chain}};
                    ssl_certificate_key {{key}};
                    access_log {{directory}}/access.log rua;
                    client_body_in_file_only on;
                    location = {{Path}} { proxy_pass http://{{upstream}}/; }
                    location / { return 404; }
                }
                server {
                    listen {{upstream}};
                    access_log off;
                    location / { return 200 "accepted\n"; }
                }
            """));
        var process = ManagedProcess.StartExecutable("nginx", ["-c", config, "-p", directory, "-e", System.IO.Path.Combine(directory, "error.log")],
            System.IO.Path.Combine(directory, "nginx.log"));
        await Wait.UntilAsync(() => process.HasExited || FreePort.Accepts(new IPEndPoint(address, 443)), "nginx takes TLS reports");
        return process.HasExited
            ? throw new InvalidOperationException($"nginx failed: {process.Output} {await File.ReadAllTextAsync(System.IO.Path.Combine(directory, "error.log"))}")
            : new TlsRptEndpoint(directory, process);
    }

    /// <summary>Each POST received: its content type and body.</summary>
    public IReadOnlyList<(string ContentType, byte[] Body)> Posts()
    {
        var log = System.IO.Path.Combine(directory, "access.log");
        if (!File.Exists(log))
        {
            return [];
        }

        return [.. File.ReadAllLines(log).Select(l => l.Split(' '))
            .Where(f => f.Length >= 5 && f[0] == "POST" && File.Exists(f[^1]))
            .Select(f => (f[2].Trim('"'), File.ReadAllBytes(f[^1])))];
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
