using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.ClusterManager.Tests;

/// <summary>The manager's services over a real file store in a temporary directory, on a fake clock.</summary>
internal sealed class ManagerFixture : IDisposable
{
    public ManagerFixture()
    {
        DataDir = Directory.CreateTempSubdirectory("gatehouse-manager-test-").FullName;
        Open();
    }

    public string DataDir { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    public FileStore Store { get; private set; } = null!;

    public SecretBox Secrets { get; private set; } = null!;

    public ConfigurationService Configuration { get; private set; } = null!;

    /// <summary>Simulates a manager restart: everything is read back from disk.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Open();
    }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }

    private void Open()
    {
        Store = new FileStore(DataDir);
        Secrets = SecretBox.LoadOrCreate(DataDir);
        Configuration = new ConfigurationService(Store, Secrets, new VersionSignal(), new AuditLog(Store, Time), Time);
    }
}
