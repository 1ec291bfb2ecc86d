using System.Net;

namespace Gatehouse.Cluster.Tests.Replicas;

/// <summary>Two manager replicas on one Redis, nodes spread across them.</summary>
public sealed class ReplicaTests
{
    [Fact]
    public async Task Commits_on_either_replica_reach_every_node_nodes_fail_over_and_Redis_outages_are_survived()
    {
        await using var replicas = await ReplicaSet.StartAsync();
        var (root, redis, first, second) = (replicas.Root, replicas.Redis, replicas.First, replicas.Second);
        await using var node1 = new NodeInstance(root, "node1", IPAddress.Parse("127.0.0.31"));
        await using var node2 = new NodeInstance(root, "node2", IPAddress.Parse("127.0.0.32"));
        (await node1.CliAsync("join", "--manager", first.Url.ToString(), "--manager", second.Url.ToString(), "--token", await first.CreateTokenAsync(), "--name", "node1")).Succeeded();
        (await node2.CliAsync("join", "--manager", second.Url.ToString(), "--manager", first.Url.ToString(), "--token", await second.CreateTokenAsync(), "--name", "node2")).Succeeded();
        node1.Start();
        node2.Start();
        await node1.WaitAppliedAsync(1);
        await node2.WaitAppliedAsync(1);

        // A commit on replica 1 reaches node2, which is connected to replica 2.
        (await first.LoadConfigAsync("alert_settings: {from_address: one@example.com}", merge: true)).Succeeded();
        var v2 = await first.CommitAsync("on replica 1");
        await node2.WaitAppliedAsync(v2);
        await node1.WaitAppliedAsync(v2);

        // Both replicas commit at once: one version each or one refusal, never the same number twice.
        (await second.LoadConfigAsync("alert_settings: {from_address: two@example.com}", merge: true)).Succeeded();
        var racing = await Task.WhenAll(first.CliAsync("commit", "--comment", "race 1"), second.CliAsync("commit", "--comment", "race 2"));
        Assert.Single(racing, r => r.ExitCode == 0);
        var history = (await first.Http.GetJsonAsync("api/v1/history")).AsArray().Select(v => (long)v!["version"]!).ToList();
        Assert.Equal(Enumerable.Range(1, history.Count).Select(v => (long)v), history);

        // Replica 1 dies: node1 moves to replica 2 and keeps converging (and gets a listener).
        await first.KillAsync();
        var smtp = new IPEndPoint(node1.Address, FreePort.On(node1.Address));
        (await second.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node1.Address}}}}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, certificate: demo, default_policy: ACCEPTED, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        // Alerts go to an smtp-sink, as mail through the nodes.
        var sink = await SmtpSink.StartAsync(Path.Combine(root, "alert-sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        await using var _ = sink;
        (await second.LoadConfigAsync($$$"""
            alert_recipients: [{address: admin@alerts.test, subscriptions: [{class: system, severities: [critical]}]}]
            alert_settings: {from_address: gatehouse@example.test}
            smtp_routes: [{domain: alerts.test, hosts: [{host: 127.0.0.1, port: {{{sink.Endpoint.Port}}}}]}]
            """, merge: true)).Succeeded();
        var last = await second.CommitAsync("after failover");
        await node1.WaitAppliedAsync(last);
        await node2.WaitAppliedAsync(last);
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "node1's listener accepts");
        Assert.Equal(["node1", "node2"], (await second.NodesAsync()).Select(n => (string)n!["name"]!));

        // Redis away: nodes keep their configuration, admin writes fail clearly; then all converges.
        await redis.StopAsync();
        var refused = await second.LoadConfigAsync("alert_settings: {from_address: four@example.com}", merge: true);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("the Redis store is unavailable", refused.Error, StringComparison.Ordinal);
        Assert.Equal(last, node1.Status().AppliedVersion);
        Assert.False(node1.Process.HasExited);
        Assert.False(node2.Process.HasExited);
        // The replicas keep the streams up on the last version they read, and mail flows.
        Assert.True(node1.Status().Connected && node2.Status().Connected);
        var mail = await Swaks.SendAsync(smtp, "user@example.test", "--tls");
        Assert.True(mail.ExitCode == 0, mail.Output);

        // Longer than a restart: the replica has a node mail the store-unreachable alert, once.
        List<string> Alerts() => [.. sink.Delivered().Select(m => m.Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\n ", " ", StringComparison.Ordinal))
            .Where(m => m.Contains("(System) The cluster manager's store has been unreachable since", StringComparison.Ordinal))];
        await Wait.UntilAsync(() => Alerts().Count > 0, "the store-unreachable alert is mailed", TimeSpan.FromSeconds(150));
        Assert.Contains("Subject: [Critical]-[", Alerts()[0], StringComparison.Ordinal);

        await redis.RestartAsync();
        await Wait.UntilAsync(async () => (await second.CliAsync("alerts")).Output.Contains("store has been unreachable", StringComparison.Ordinal),
            "the outage is in the alert log once the store is back");
        Assert.Single(Alerts());
        await Wait.UntilAsync(async () => (await second.LoadConfigAsync("alert_settings: {from_address: four@example.com}", merge: true)).ExitCode == 0,
            "admin writes work again");
        var after = await second.CommitAsync("after Redis came back");
        Assert.Equal(last + 1, after);
        await node1.WaitAppliedAsync(after);
        await node2.WaitAppliedAsync(after);
    }
}
