using System.Globalization;
using System.Net;

namespace Gatehouse.Harness;

/// <summary>A redis-server of the tests' own on a loopback port, with append-only persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string directory;
    private readonly IPEndPoint endpoint;
    private ManagedProcess? process;

    private readonly IReadOnlyList<string> security;

    private RedisServer(string directory, IPEndPoint endpoint, Uri uri, IReadOnlyList<string> security)
    {
        this.directory = directory;
        this.endpoint = endpoint;
        this.security = security;
        Uri = uri;
    }

    public Uri Uri { get; }

    /// <summary>The password of the ACL user of a TLS server, in a 0600 file.</summary>
    public string PasswordFile => Path.Combine(directory, "password");

    public static async Task<RedisServer> StartAsync(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        var server = new RedisServer(directory, endpoint, new Uri($"redis://{endpoint}"),
            ["--port", endpoint.Port.ToString(CultureInfo.InvariantCulture)]);
        await server.RestartAsync();
        return server;
    }

    /// <summary>
    /// A server as the README sets one up: TLS only (certificate chain and key given), the
    /// default user off, one ACL user with a random password kept in <see cref="PasswordFile"/>.
    /// </summary>
    public static async Task<RedisServer> StartTlsAsync(string directory, string certificateChain, string key, string user)
    {
        System.IO.Directory.CreateDirectory(directory);
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var passwordFile = Path.Combine(directory, "password");
        await File.WriteAllTextAsync(passwordFile, password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var server = new RedisServer(directory, endpoint, new Uri($"rediss://{user}@localhost:{endpoint.Port}"),
        [
            "--port", "0", "--tls-port", endpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--tls-cert-file", certificateChain, "--tls-key-file", key, "--tls-auth-clients", "no",
            "--user", "default", "off", "--user", user, "on", $">{password}", "~*", "&*", "+@all",
        ]);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port and files; the append-only file brings the data back.</summary>
    public async Task RestartAsync()
    {
        process?.Dispose();
        var started = ManagedProcess.StartExecutable("redis-server",
            [.. security, "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            Path.Combine(directory, "redis.log"));
        process = started;
        await Wait.UntilAsync(() => started.HasExited || FreePort.Accepts(endpoint), "redis-server accepts connections");
        if (started.HasExited)
        {
            throw new InvalidOperationException($"redis-server failed: {started.Output}");
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
}
