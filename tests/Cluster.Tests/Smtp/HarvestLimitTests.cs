using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>
/// Address harvesting (a 550/250 oracle) is cut off: refused recipients end a session at the hard
/// error limit, and past its mail flow policy's invalid recipients an hour a client gets no more
/// answers about addresses at all (the appliance's DHAP), told with swaks as a harvester would.
/// </summary>
public sealed class HarvestLimitTests
{
    [Fact]
    public async Task A_session_is_cut_at_the_refused_recipient_limit_and_a_client_past_its_hourly_limit_gets_no_more_answers()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var m = cluster.Manager;
        var node = cluster.Node("node1");
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            system: {smtp: {max_refused_recipients: 20, error_sleep_milliseconds: 20}}
            mail_flow_policies: [{name: P, behavior: accept, tls: off, max_invalid_recipients_per_hour: 30}]
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{FreePort.On(IPAddress.Loopback)}}}}]}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("harvest limits"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

        // 5,000 recipients in one session: 20 answers, then 421 and the connection is closed.
        var harvest = await SwaksAsync(smtp, "127.0.0.1", [.. Enumerable.Range(0, 5000).Select(i => $"probe{i}@other.test")]);
        Assert.Equal(20, Regex.Count(harvest, @"550 5\.7\.1 <probe\d+@other\.test>: Relay access denied"));
        Assert.Contains("421 4.7.0 Error: too many errors", harvest, StringComparison.Ordinal);
        Assert.DoesNotContain("probe20@other.test>: Relay", harvest, StringComparison.Ordinal);
        await node.WaitForMailLogAsync("Receiving Failed: 20 recipients refused in this session");

        // Ten more reach the policy's 30 an hour: from then on a real recipient is refused too.
        var past = await SwaksAsync(smtp, "127.0.0.1", [.. Enumerable.Range(0, 10).Select(i => $"more{i}@other.test"), "user@example.test"]);
        Assert.Equal(10, Regex.Count(past, @"550 5\.7\.1 <more\d+@other\.test>: Relay access denied"));
        Assert.Contains("550 5.7.1 Too many invalid recipients", past, StringComparison.Ordinal);
        await node.WaitForMailLogAsync("DHAP: 30 recipients refused to 127.0.0.1 within an hour, the limit of mail flow policy P");

        // Another client is not held for it.
        var other = await SwaksAsync(smtp, "127.0.0.77", ["user@example.test"]);
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \d+", other);

        // With the drop set, the harvesting client's next RCPT ends the connection.
        (await m.LoadConfigAsync($$$"""
            mail_flow_policies: [{name: P, behavior: accept, tls: off, max_invalid_recipients_per_hour: 30, drop_at_invalid_recipients_limit: true}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("drop harvesters"));
        var dropped = await SwaksAsync(smtp, "127.0.0.1", ["user@example.test"]);
        Assert.Contains("421 4.7.0 Too many invalid recipients, closing connection", dropped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_harvester_spreading_its_probes_over_two_nodes_meets_the_limit_on_both()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var m = cluster.Manager;
        var (node1, node2) = (cluster.Node("node1"), cluster.Node("node2"));
        var port = FreePort.On(node1.Address);
        var (smtp1, smtp2) = (new IPEndPoint(node1.Address, port), new IPEndPoint(node2.Address, port));
        foreach (var node in new[] { node1, node2 })
        {
            (await m.LoadConfigAsync($"ip_interfaces: [{{name: Data1, address: {node.Address}}}]", machine: node.Name, merge: true)).Succeeded();
        }

        (await m.LoadConfigAsync($$$"""
            mail_flow_policies: [{name: P, behavior: accept, tls: off, max_invalid_recipients_per_hour: 10}]
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{FreePort.On(IPAddress.Loopback)}}}}]}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            """, merge: true)).Succeeded();
        var version = await m.CommitAsync("harvest limits on two nodes");
        await node1.WaitAppliedAsync(version);
        await node2.WaitAppliedAsync(version);
        await Wait.UntilAsync(() => FreePort.Accepts(smtp1) && FreePort.Accepts(smtp2), "both listeners accept");

        // Ten probes at node1 only: node2, which never saw them, refuses the harvester as soon as
        // node1's report reaches it (a second), and still takes mail from anyone else.
        var probes = await SwaksAsync(smtp1, "127.0.0.1", [.. Enumerable.Range(0, 10).Select(i => $"probe{i}@other.test")]);
        Assert.Equal(10, Regex.Count(probes, @"550 5\.7\.1 <probe\d+@other\.test>: Relay access denied"));
        await Wait.UntilAsync(
            async () => (await SwaksAsync(smtp2, "127.0.0.1", ["user@example.test"])).Contains("550 5.7.1 Too many invalid recipients", StringComparison.Ordinal),
            "node2 refuses the harvester node1 counted");
        await node2.WaitForMailLogAsync("DHAP: 10 recipients refused to 127.0.0.1 within an hour, the limit of mail flow policy P");
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \d+", await SwaksAsync(smtp2, "127.0.0.77", ["user@example.test"]));
    }

    private static async Task<string> SwaksAsync(IPEndPoint smtp, string from, string[] recipients)
    {
        var run = await Swaks.SendAsync(smtp, string.Join(",", recipients), "--local-interface", from);
        return run.Output + run.Error;
    }
}
