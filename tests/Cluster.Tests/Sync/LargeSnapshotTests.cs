using System.Text.Json;
using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Sync;

public sealed class LargeSnapshotTests
{
    [Fact]
    public async Task A_snapshot_past_grpcs_4_MB_default_reaches_the_node_and_is_applied()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");

        // A few hundred certificates, each with a chain of three RSA-4096 intermediates: about 5 MB.
        var yaml = JsonSerializer.Serialize(new { certificates = ChainedCertificates.Create(700) });
        Assert.True(yaml.Length > 5_000_000, $"{yaml.Length} bytes");
        (await cluster.Manager.LoadConfigAsync(yaml)).Succeeded();
        var version = await cluster.Manager.CommitAsync("700 certificates with their chains");

        await node.WaitAppliedAsync(version);
        Assert.Contains("leaf-699", await File.ReadAllTextAsync(Path.Combine(node.DataDir, "state", "last-good.json")), StringComparison.Ordinal);
    }
}
