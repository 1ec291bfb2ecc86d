using System.Net;
using Gatehouse.Harness;

namespace Gatehouse.ClusterManager.Tests.Store;

/// <summary>A redis-server of the tests' own on a loopback port, stopped afterwards.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-redis-").FullName;
    private ManagedProcess? server;

    public Uri Uri { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        server = ManagedProcess.StartExecutable("redis-server",
            ["--port", endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            Path.Combine(directory, "redis.log"));
        await Wait.UntilAsync(() => server.HasExited || FreePort.Accepts(endpoint), "redis-server accepts connections");
        Uri = server.HasExited ? throw new InvalidOperationException($"redis-server failed: {server.Output}") : new Uri($"redis://{endpoint}");
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
            server.Dispose();
        }

        Directory.Delete(directory, recursive: true);
    }
}

[CollectionDefinition("redis")]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisServerFixture>;
