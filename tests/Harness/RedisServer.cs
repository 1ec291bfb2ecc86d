using System.Globalization;
using System.Net;

namespace Gatehouse.Harness;

/// <summary>A redis-server of the tests' own on a loopback port, with append-only persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ManagedProcess process;

    private RedisServer(ManagedProcess process, Uri uri)
    {
        this.process = process;
        Uri = uri;
    }

    public Uri Uri { get; }

    public static async Task<RedisServer> StartAsync(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        var process = ManagedProcess.StartExecutable("redis-server",
            ["--port", endpoint.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            Path.Combine(directory, "redis.log"));
        await Wait.UntilAsync(() => process.HasExited || FreePort.Accepts(endpoint), "redis-server accepts connections");
        return process.HasExited ? throw new InvalidOperationException($"redis-server failed: {process.Output}") : new RedisServer(process, new Uri($"redis://{endpoint}"));
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
