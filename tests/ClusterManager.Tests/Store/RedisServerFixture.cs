using Gatehouse.Harness;

namespace Gatehouse.ClusterManager.Tests.Store;

/// <summary>One redis-server for the Redis store tests, stopped afterwards.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-redis-").FullName;
    private RedisServer? server;

    public Uri Uri => server!.Uri;

    public async Task InitializeAsync() => server = await RedisServer.StartAsync(directory);

    public async Task DisposeAsync()
    {
        await server!.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }
}

[CollectionDefinition("redis")]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisServerFixture>;
