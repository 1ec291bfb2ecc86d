using System.Globalization;
using System.Net;

namespace Gatehouse.Harness;

/// <summary>A redis-server of the tests' own on a loopback port, with append-only persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string directory;
    private readonly IPEndPoint endpoint;
    private ManagedProcess? process;

    private RedisServer(string directory, IPEndPoint endpoint)
    {
        this.directory = directory;
        this.endpoint = endpoint;
        Uri = new Uri($"redis://{endpoint}");
    }

    public Uri Uri { get; }

    public static async Task<RedisServer> StartAsync(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(directory, new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port and files; the append-only file brings the data back.</summary>
    public async Task RestartAsync()
    {
        process?.Dispose();
        var started = ManagedProcess.StartExecutable("redis-server",
            ["--port", endpoint.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
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
