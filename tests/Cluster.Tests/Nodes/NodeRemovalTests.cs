namespace Gatehouse.Cluster.Tests.Nodes;

/// <summary>CL-3: removing a node loses its machine level, and that is said before it happens.</summary>
public sealed class NodeRemovalTests
{
    [Fact]
    public async Task Remove_warns_deletes_the_machine_level_refuses_the_node_and_a_rejoin_starts_clean()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var node = cluster.Node("node1");
        await cluster.Manager.LoadConfigAsync($"hostname: mx1.example.com\nip_interfaces: [{{name: Data1, address: {node.Address}}}]", machine: "node1");
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("node1 settings"));

        // Without --yes and without an answer, nothing happens, but the warning is given.
        var refused = await cluster.Manager.CliWithInputAsync("", "nodes", "remove", "node1");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("WARNING: node node1 has 2 machine-level setting(s)", refused.Error, StringComparison.Ordinal);
        Assert.Contains("not restored if it joins again", refused.Error, StringComparison.Ordinal);
        Assert.NotNull(await cluster.Manager.NodeAsync("node1"));

        // Answering yes at the prompt removes it.
        var removed = (await cluster.Manager.CliWithInputAsync("y\n", "nodes", "remove", "node1")).Succeeded();
        Assert.Contains("2 machine-level setting(s) deleted", removed.Output, StringComparison.Ordinal);
        Assert.Null(await cluster.Manager.NodeAsync("node1"));
        Assert.Equal("{}", (await cluster.Manager.CliAsync("showconfig", "--machine", "node1")).Succeeded().Output.Trim());

        // The running node is told, and stops.
        using (var limit = new CancellationTokenSource(Wait.DefaultTimeout))
        {
            await node.Process.WaitForExitAsync(limit.Token);
        }

        Assert.Equal(3, node.Process.ExitCode);
        Assert.Contains("node removed from cluster; join again", node.Process.Output, StringComparison.Ordinal);
        Assert.Contains("node removed from cluster; join again", node.Status().LastError, StringComparison.Ordinal);

        // Starting it again is refused the same way.
        node.Start();
        using (var limit = new CancellationTokenSource(Wait.DefaultTimeout))
        {
            await node.Process.WaitForExitAsync(limit.Token);
        }

        Assert.Equal(3, node.Process.ExitCode);

        // leave cleans up locally; a new join has no machine-level settings.
        var leave = (await node.CliAsync("leave")).Succeeded();
        Assert.Contains("no longer knows this node", leave.Error, StringComparison.Ordinal);
        (await node.JoinAsync(cluster.Manager, await cluster.Manager.CreateTokenAsync())).Succeeded();
        node.Start();
        var latest = (await cluster.Manager.Http.GetJsonAsync("api/v1/history")).AsArray().Count;
        await node.WaitAppliedAsync(latest);
        var effective = (await cluster.Manager.CliAsync("showconfig", "--machine", "node1", "--effective")).Succeeded().Output;
        Assert.DoesNotContain("level: machine", effective, StringComparison.Ordinal);
        Assert.Contains("level: cluster", effective, StringComparison.Ordinal);
        Assert.Equal(0, (int)(await cluster.Manager.NodeAsync("node1"))!["machine_settings"]!);
        await cluster.Node("node2").WaitAppliedAsync(latest);
    }

    [Fact]
    public async Task Leave_deletes_the_machine_level_and_the_membership()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        await cluster.Manager.LoadConfigAsync("hostname: mx1.example.com", machine: "node1");
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("node1 host name"));
        await node.StopAsync();

        var leave = (await node.CliAsync("leave")).Succeeded();

        Assert.Contains("1 machine-level setting(s) were deleted", leave.Output, StringComparison.Ordinal);
        Assert.Null(await cluster.Manager.NodeAsync("node1"));
        Assert.Equal("{}", (await cluster.Manager.CliAsync("showconfig", "--machine", "node1")).Succeeded().Output.Trim());
        Assert.False(File.Exists(Path.Combine(node.DataDir, "node.json")));
        var audit = (await cluster.Manager.CliAsync("audit")).Succeeded().Output;
        Assert.Contains("node node1  node remove  node node1 removed", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_a_node_without_machine_settings_needs_no_confirmation()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);

        var removed = (await cluster.Manager.CliWithInputAsync("", "nodes", "remove", "node1")).Succeeded();

        Assert.DoesNotContain("WARNING", removed.Error, StringComparison.Ordinal);
        Assert.Null(await cluster.Manager.NodeAsync("node1"));
    }
}
