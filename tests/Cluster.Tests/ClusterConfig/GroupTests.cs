using System.Net;

namespace Gatehouse.Cluster.Tests.ClusterConfig;

/// <summary>
/// Groups, the third configuration level: three node processes in two groups; a group-level
/// listener reaches its members only, a group-only commit is taken without re-applying by the
/// others, moving a node changes its effective configuration, removing a node keeps the group's
/// settings, and a group with members is not deleted.
/// </summary>
public sealed class GroupTests
{
    [Fact]
    public async Task A_group_level_reaches_its_members_only_and_survives_the_removal_of_a_member()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 3);
        var m = cluster.Manager;
        var nodes = new[] { cluster.Node("node1"), cluster.Node("node2"), cluster.Node("node3") };
        var port = FreePort.On(IPAddress.Loopback);
        foreach (var node in nodes)
        {
            (await m.LoadConfigAsync($"hostname: {node.Name}.example.test\nip_interfaces: [{{name: Data1, address: {node.Address}}}]", machine: node.Name)).Succeeded();
        }

        foreach (var (command, arguments) in new[] { ("create", "DC1"), ("create", "DC2"), ("add", "DC1 node1"), ("add", "DC1 node2"), ("add", "DC2 node3") })
        {
            (await m.CliAsync(["groups", command, .. arguments.Split(' ')])).Succeeded();
        }

        Assert.Contains("node2 is in group DC1; a node is in one group at most", (await m.CliAsync("groups", "add", "DC2", "node2")).Error, StringComparison.Ordinal);
        (await m.LoadConfigAsync($$$"""
            listeners: [{name: Shared, type: public, interface: Data1, port: {{{port}}}, default_policy: ACCEPTED, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, group: "DC1")).Succeeded();
        var v1 = await m.CommitAsync("groups DC1 and DC2; DC1 listens");
        await Task.WhenAll(nodes.Select(n => n.WaitAppliedAsync(v1)));
        Endpoints(nodes, port, out var at1, out var at2, out var at3);
        await Wait.UntilAsync(() => FreePort.Accepts(at1) && FreePort.Accepts(at2), "DC1's members listen");
        Assert.False(FreePort.Accepts(at3));

        // Each value says where it comes from.
        var effective = (await m.CliAsync("showconfig", "--machine", "node1", "--effective")).Succeeded().Output;
        Assert.Contains("level: group DC1", effective, StringComparison.Ordinal);
        Assert.Contains("level: machine", effective, StringComparison.Ordinal);
        Assert.Contains("name: Shared", (await m.CliAsync("showconfig", "--group", "DC1")).Succeeded().Output, StringComparison.Ordinal);

        // An error in a group's setting names the group.
        (await m.LoadConfigAsync("listeners: [{name: Broken, type: public, interface: Data1, port: 25, certificate: missing, default_policy: ACCEPTED}]", group: "DC1", merge: true)).Succeeded();
        var refused = await m.CliAsync("commit", "--comment", "a listener with a certificate nobody has");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("node1: group DC1: listeners[Broken]", refused.Error, StringComparison.Ordinal);
        (await m.CliAsync("clearchanges")).Succeeded();

        // A commit that changes only DC1: node3 takes the version without applying it again.
        (await m.LoadConfigAsync("destination_controls: [{domain: dc1.example, tls: preferred}]", group: "DC1", merge: true)).Succeeded();
        var v2 = await m.CommitAsync("DC1 only");
        await Task.WhenAll(nodes.Select(n => n.WaitAppliedAsync(v2)));
        // The console log trails the status file a little.
        await Wait.UntilAsync(() => nodes[2].Process.Output.Contains($"Version {v2} changes nothing on this node", StringComparison.Ordinal), "node3 says it took the version as it was");
        await Wait.UntilAsync(() => nodes[0].Process.Output.Contains($"Applied configuration version {v2}", StringComparison.Ordinal), "node1 says it applied the version");
        Assert.DoesNotContain($"Applied configuration version {v2}", nodes[2].Process.Output, StringComparison.Ordinal);

        // node2 moves to DC2: DC1's listener leaves it at the next commit.
        (await m.CliAsync("groups", "remove", "DC1", "node2")).Succeeded();
        (await m.CliAsync("groups", "add", "DC2", "node2")).Succeeded();
        Assert.Contains("+ group DC2 member node2", (await m.CliAsync("showchanges")).Output, StringComparison.Ordinal);
        var v3 = await m.CommitAsync("node2 to DC2");
        await nodes[1].WaitAppliedAsync(v3);
        await Wait.UntilAsync(() => !FreePort.Accepts(at2), "node2 no longer listens on DC1's listener");
        Assert.True(FreePort.Accepts(at1));

        // A group with members is not deleted; removing a node keeps its group's settings.
        var delete = await m.CliAsync("groups", "delete", "DC2", "--yes");
        Assert.Contains("group DC2 has members (node3, node2)", delete.Error, StringComparison.Ordinal);
        (await m.CliWithInputAsync("y\n", "nodes", "remove", "node1")).Succeeded();
        var list = (await m.CliAsync("groups", "list")).Succeeded().Output;
        Assert.Matches(@"DC1\s+-\s+2\b", list);
        Assert.Contains("name: Shared", (await m.CliAsync("showconfig", "--group", "DC1")).Succeeded().Output, StringComparison.Ordinal);
        (await m.CliAsync("groups", "delete", "DC1", "--yes")).Succeeded();
        Assert.Contains("- group DC1 (group and its level deleted)", (await m.CliAsync("showchanges")).Output, StringComparison.Ordinal);
    }

    private static void Endpoints(NodeInstance[] nodes, int port, out IPEndPoint at1, out IPEndPoint at2, out IPEndPoint at3) =>
        (at1, at2, at3) = (new IPEndPoint(nodes[0].Address, port), new IPEndPoint(nodes[1].Address, port), new IPEndPoint(nodes[2].Address, port));
}
