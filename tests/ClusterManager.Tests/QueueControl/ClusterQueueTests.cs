using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.QueueControl;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Tests.QueueControl;

/// <summary>What an admin types into a queue command (API, CLI or the GUI's form) is checked before it reaches a node or the audit log.</summary>
[Trait("Category", "Security")]
public sealed class ClusterQueueTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Theory]
    [InlineData("flush", null, null, "node1\nforged: audit line", null)]
    [InlineData("flush", "not a domain", null, null, null)]
    [InlineData("redirect", null, 7L, "node1", "host\r\nRCPT TO:<x>")]
    [InlineData("bounce", null, 7L, null, null)]
    [InlineData("format-disk", null, null, null, null)]
    public async Task A_malformed_command_is_refused_reaches_no_node_and_leaves_no_audit_entry(string op, string? domain, long? mid, string? node, string? redirectTo)
    {
        var queue = new ClusterQueue(new NodeQueries(), manager.Store, new AuditLog(manager.Store, manager.Time));

        await Assert.ThrowsAsync<ChangeRejectedException>(() => queue.RunAsync(new QueueRequest(op, domain, mid, node, redirectTo), "test", CancellationToken.None));

        Assert.Empty(await manager.Store.ReadAuditAsync(10));
    }

    public void Dispose() => manager.Dispose();
}
