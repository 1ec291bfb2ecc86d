using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Tests.Store;

public sealed class FileStoreTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Fact]
    public void A_second_manager_cannot_open_the_same_data_directory()
    {
        var e = Assert.Throws<StoreException>(() => new FileStore(manager.DataDir));

        Assert.Contains("in use by another manager", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_that_would_escape_the_store_are_refused()
    {
        await Assert.ThrowsAsync<StoreException>(() => manager.Store.SaveNodeAsync(new NodeRecord { Name = "../x" }));
    }

    public void Dispose() => manager.Dispose();
}
