using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Harness;

/// <summary>
/// nginx (Debian package) as a URL verdict service: HTTPS on a loopback port that demands a
/// client certificate of the given CAs (<c>ssl_verify_client on</c>), serving static verdict
/// files named by the SHA-256 of each URL under <see cref="ServicePath"/>.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    public const string ServicePath = "/verdicts/v1/";

    private readonly string directory;
    private ManagedProcess? process;

    private Nginx(string directory, IPEndPoint endpoint)
    {
        this.directory = directory;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static async Task<Nginx> StartAsync(string directory, string certificateChain, string key, string clientCas)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        var nginx = new Nginx(directory, endpoint);
        Directory.CreateDirectory(Path.Combine(directory, "tmp"));
        Directory.CreateDirectory(nginx.Verdicts);
        await File.WriteAllTextAsync(nginx.ConfigFile, Config(directory, $$"""
                access_log {{directory}}/access.log;
                server {
                    listen {{endpoint}} ssl;
                    server_name localhost;
                    ssl_certificate {{certificateChain}};
                    ssl_certificate_key {{key}};
                    ssl_client_certificate {{clientCas}};
                    ssl_verify_client on;
                    ssl_verify_depth 3;
                    root {{directory}}/www;
                    default_type application/json;
                    location / { try_files $uri =404; }
                }
            """));
        await nginx.StartAsync();
        return nginx;
    }

    /// <summary>An nginx.conf that runs in the foreground with everything under <paramref name="directory"/>, around the given <c>http</c> block content.</summary>
    public static string Config(string directory, string http) => $$"""
        user root;
        daemon off;
        worker_processes 1;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log info;
        events { worker_connections 64; }
        http {
            client_body_temp_path {{directory}}/tmp/body;
            proxy_temp_path {{directory}}/tmp/proxy;
            fastcgi_temp_path {{directory}}/tmp/fastcgi;
            uwsgi_temp_path {{directory}}/tmp/uwsgi;
            scgi_temp_path {{directory}}/tmp/scgi;
        {{http}}
        }
        """;

    /// <summary>The service URL as the node is configured with it.</summary>
    public string ServiceUrl => string.Create(CultureInfo.InvariantCulture, $"https://localhost:{Endpoint.Port}{ServicePath}");

    public string AccessLog => Path.Combine(directory, "access.log");

    /// <summary>Publishes a verdict for one (normalised) URL.</summary>
    public Task AddVerdictAsync(string url, string verdict, string category) =>
        File.WriteAllTextAsync(Path.Combine(Verdicts, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))),
            $$"""{"verdict": "{{verdict}}", "category": "{{category}}"}""");

    public async Task StartAsync()
    {
        process?.Dispose();
        var started = ManagedProcess.StartExecutable("nginx", ["-c", ConfigFile, "-p", directory, "-e", Path.Combine(directory, "error.log")],
            Path.Combine(directory, "nginx.log"));
        process = started;
        await Wait.UntilAsync(() => started.HasExited || FreePort.Accepts(Endpoint), "nginx accepts connections");
        if (started.HasExited)
        {
            throw new InvalidOperationException($"nginx failed: {started.Output} {await File.ReadAllTextAsync(Path.Combine(directory, "error.log"))}");
        }
    }

    public Task StopAsync() => process!.StopAsync();

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.StopAsync();
            process.Dispose();
        }
    }

    private string ConfigFile => Path.Combine(directory, "nginx.conf");

    private string Verdicts => Path.Combine(directory, "www", ServicePath.Trim('/'));
}
