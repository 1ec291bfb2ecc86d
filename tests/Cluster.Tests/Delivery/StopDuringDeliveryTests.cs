using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// A node stopped (not killed) while its deliveries wait for the receiver's answer to the final
/// '.' lets them finish: each message reaches the receiver once, not again after the restart.
/// </summary>
public sealed partial class StopDuringDeliveryTests
{
    private const int Messages = 6;

    [Fact]
    public async Task Deliveries_past_their_final_dot_finish_before_the_node_stops()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        // The sink takes each message at its '.', and answers four seconds later.
        await using var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), new IPEndPoint(IPAddress.Parse("127.0.1.41"), 25), dotDelaySeconds: 4);
        var endpoint = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            hostname: relay.node1.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P_RELAY, behavior: relay, tls: off}, {name: P_BLOCK, behavior: reject}]
            sender_groups: [{name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}]
            listeners: [{name: Relay, type: private, interface: Data1, port: {{{endpoint.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}]
            smtp_routes: [{domain: slow.test, hosts: [{host: 127.0.1.41, port: 25}]}]
            destination_controls: [{domain: slow.test, tls: none, max_concurrent_connections: 3}]
            system: {queue: {initial_retry_seconds: 1, max_retry_seconds: 2}}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("slow receiver"));
        await Wait.UntilAsync(() => FreePort.Accepts(endpoint), "the relay listener accepts");

        var accepted = new List<string>();
        await using (var probe = await SmtpProbe.ConnectAsync(endpoint))
        {
            await probe.ReplyAsync();
            await probe.CommandAsync("EHLO sender.test");
            for (var i = 0; i < Messages; i++)
            {
                var marker = $"stop-{i}-{Guid.NewGuid():N}";
                Assert.StartsWith("250", await probe.CommandAsync("MAIL FROM:<a@sender.test>"), StringComparison.Ordinal);
                Assert.StartsWith("250", await probe.CommandAsync($"RCPT TO:<b{i}@slow.test>"), StringComparison.Ordinal);
                Assert.StartsWith("354", await probe.CommandAsync("DATA"), StringComparison.Ordinal);
                Assert.StartsWith("250", await probe.CommandAsync($"Subject: {marker}\r\n\r\nbody {i}\r\n."), StringComparison.Ordinal);
                accepted.Add(marker);
            }
        }

        // The receiver has taken a message and not answered yet: stop the node now.
        await Wait.UntilAsync(() => Deliveries(sink).Count > 0, "a delivery reached its final '.'", TimeSpan.FromSeconds(60));
        await node.StopAsync();
        var beforeRestart = Deliveries(sink).Count;

        node.Start();
        await Wait.UntilAsync(() => accepted.All(Deliveries(sink).Contains), "every accepted message reached the receiver", TimeSpan.FromSeconds(120));
        await Wait.UntilAsync(() => Directory.GetFiles(Path.Combine(node.DataDir, "queue"), "*.msg").Length == 0, "the queue is empty");
        var deliveries = Deliveries(sink);
        Assert.True(deliveries.Count == deliveries.Distinct().Count(), $"each message once; {beforeRestart} taken before the stop, delivered: {string.Join(", ", deliveries)}");
    }

    private static List<string> Deliveries(SmtpSink sink) =>
        [.. sink.Delivered().Select(d => Marker().Match(d).Value).Where(m => m.Length > 0)];

    [GeneratedRegex(@"stop-\d+-[0-9a-f]{32}")]
    private static partial Regex Marker();
}
