using Gatehouse.ClusterManager.Store;

namespace Gatehouse.ClusterManager.Tests.Store;

public sealed class FileStoreContractTests : StoreContract, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-store-").FullName;

    internal override Task<IManagerStore> OpenAsync() => Task.FromResult<IManagerStore>(new FileStore(directory));

    internal override Task CloseAsync(IManagerStore store)
    {
        ((FileStore)store).Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
