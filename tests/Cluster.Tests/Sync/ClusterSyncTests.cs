namespace Gatehouse.Cluster.Tests.Sync;

public sealed class ClusterSyncTests
{
    [Fact]
    public async Task Every_node_joins_receives_a_commit_and_acknowledges_it()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 3);

        await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: gateway@example.com}");
        var version = await cluster.Manager.CommitAsync("set the alert sender");

        Assert.Equal(2, version);
        foreach (var node in cluster.Nodes)
        {
            await node.WaitAppliedAsync(version);
        }

        await Wait.UntilAsync(async () => (await cluster.Manager.NodesAsync()).All(n => (long)n!["applied_version"]! == version && (bool)n["connected"]!),
            "the manager shows every node connected with version 2");
    }

    [Fact]
    public async Task A_node_down_during_a_commit_catches_up_when_it_returns()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var down = cluster.Node("node2");
        await down.StopAsync();

        await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: gateway@example.com}");
        var version = await cluster.Manager.CommitAsync("while node2 is down");
        await cluster.Node("node1").WaitAppliedAsync(version);
        Assert.Equal(1, down.Status().AppliedVersion);

        down.Start();

        await down.WaitAppliedAsync(version);
    }

    [Fact]
    public async Task An_invalid_machine_level_change_is_refused_and_the_node_keeps_its_last_good_version()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var node = cluster.Node("node1");
        await cluster.Manager.LoadConfigAsync($"ip_interfaces: [{{name: Data1, address: {node.Address}}}]", machine: "node1");
        var good = await cluster.Manager.CommitAsync("node1 interface");
        await node.WaitAppliedAsync(good);

        // 192.0.2.10 (TEST-NET-1) is a valid address, so the manager accepts it, but it is not this host's.
        await cluster.Manager.LoadConfigAsync("ip_interfaces: [{name: Data1, address: 192.0.2.10}]", machine: "node1");
        var bad = await cluster.Manager.CommitAsync("wrong address");

        await Wait.UntilAsync(() => node.Status().LastError.Contains("192.0.2.10 is not an address of this host", StringComparison.Ordinal),
            "node1 reports the refused version");
        await cluster.Node("node2").WaitAppliedAsync(bad);
        Assert.Equal(good, node.Status().AppliedVersion);
        Assert.False(node.Process.HasExited);
        await Wait.UntilAsync(async () => ((string?)(await cluster.Manager.NodeAsync("node1"))!["last_error"] ?? "").Contains($"version {bad} refused", StringComparison.Ordinal),
            "the manager shows node1's refusal");

        await cluster.Manager.LoadConfigAsync($"ip_interfaces: [{{name: Data1, address: {node.Address}}}]", machine: "node1");
        var fixedVersion = await cluster.Manager.CommitAsync("fix the address");
        await node.WaitAppliedAsync(fixedVersion);
        Assert.Equal("", node.Status().LastError);
    }

    [Fact]
    public async Task A_manager_restart_after_kill_9_loses_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: one@example.com}");
        var committed = await cluster.Manager.CommitAsync("before the crash");
        await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: two@example.com}");
        var historyBefore = (await cluster.Manager.CliAsync("history")).Succeeded().Output;

        await cluster.Manager.KillAsync();
        await cluster.Manager.StartAsync();

        Assert.Equal(historyBefore, (await cluster.Manager.CliAsync("history")).Succeeded().Output);
        Assert.Contains("~ cluster alert_settings", (await cluster.Manager.CliAsync("showchanges")).Succeeded().Output, StringComparison.Ordinal);
        Assert.Equal(["node1", "node2"], (await cluster.Manager.NodesAsync()).Select(n => (string)n!["name"]!));
        var next = await cluster.Manager.CommitAsync("after the restart");
        Assert.Equal(committed + 1, next);
        foreach (var node in cluster.Nodes)
        {
            await node.WaitAppliedAsync(next);
        }
    }

    [Fact]
    public async Task A_node_started_while_the_manager_is_down_runs_its_last_good_configuration()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: gateway@example.com}");
        var version = await cluster.Manager.CommitAsync("last good");
        await node.WaitAppliedAsync(version);
        await node.StopAsync();
        await cluster.Manager.StopAsync();

        node.Start();

        await Wait.UntilAsync(() => node.Process.Output.Contains($"Started on the last good configuration, version {version}", StringComparison.Ordinal),
            "the node starts from its last good snapshot");
        await Wait.UntilAsync(() => node.Process.Output.Contains("Manager unreachable", StringComparison.Ordinal), "the node retries the manager");
        Assert.Equal(version, node.Status().AppliedVersion);
        Assert.False(node.Status().Connected);

        await cluster.Manager.StartAsync();
        await node.WaitConnectedAsync();
        Assert.Equal(version, node.Status().AppliedVersion);
    }
}
