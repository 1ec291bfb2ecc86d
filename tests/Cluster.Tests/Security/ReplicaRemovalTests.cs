using System.Diagnostics;
using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>A node removed through one replica stops receiving configuration from every replica at once.</summary>
public sealed class ReplicaRemovalTests
{
    [Fact]
    public async Task A_node_removed_on_one_replica_loses_its_stream_on_the_other_at_once()
    {
        await using var replicas = await ReplicaSet.StartAsync();
        await using var node = new NodeInstance(replicas.Root, "node2", IPAddress.Parse("127.0.0.32"));
        // Only replica 2 is known to the node: its stream can be nowhere else.
        (await node.JoinAsync(replicas.Second, await replicas.Second.CreateTokenAsync())).Succeeded();
        node.Start();
        await node.WaitAppliedAsync(1);

        var clock = Stopwatch.StartNew();
        (await replicas.First.CliAsync("nodes", "remove", "node2")).Succeeded();

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await node.Process.WaitForExitAsync(limit.Token);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the node learnt of its removal after {clock.Elapsed}");
        Assert.Equal(3, node.Process.ExitCode);
        Assert.Contains("node removed from cluster; join again", node.Process.Output, StringComparison.Ordinal);
    }
}
