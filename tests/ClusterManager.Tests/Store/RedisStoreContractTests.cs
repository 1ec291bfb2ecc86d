using Gatehouse.ClusterManager.Store;

namespace Gatehouse.ClusterManager.Tests.Store;

/// <summary>The store contract against a real redis-server; each test has keys of its own.</summary>
[Collection("redis")]
public sealed class RedisStoreContractTests(RedisServerFixture redis) : StoreContract
{
    private readonly string prefix = $"test-{Guid.NewGuid():N}";

    internal override async Task<IManagerStore> OpenAsync() => await RedisStore.ConnectAsync(RedisLocation.Parse(redis.Uri.ToString(), null, null), prefix);

    internal override Task CloseAsync(IManagerStore store)
    {
        ((RedisStore)store).Dispose();
        return Task.CompletedTask;
    }
}
