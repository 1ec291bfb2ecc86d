using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>OUT-5: a crash in the middle of heavy delivery loses nothing.</summary>
public sealed partial class DeliveryCrashTests
{
    private const int Messages = 300;
    private const int Connections = 20;

    [Fact]
    public async Task Every_accepted_message_is_delivered_after_a_kill_9_during_delivery()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        await using var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), new IPEndPoint(IPAddress.Parse("127.0.1.40"), 25), dataDelaySeconds: 1);
        var endpoint = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            hostname: relay.node1.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P_RELAY, behavior: relay, tls: off, max_messages_per_connection: 1000}, {name: P_BLOCK, behavior: reject}]
            sender_groups: [{name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}]
            listeners: [{name: Relay, type: private, interface: Data1, port: {{{endpoint.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}]
            smtp_routes: [{domain: heavy.test, hosts: [{host: 127.0.1.40, port: 25}]}]
            destination_controls: [{domain: heavy.test, tls: none, max_concurrent_connections: {{{Connections}}}, max_messages_per_connection: 20}]
            system: {queue: {initial_retry_seconds: 1, max_retry_seconds: 2}}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("heavy relay"));
        await Wait.UntilAsync(() => FreePort.Accepts(endpoint), "the relay listener accepts");

        // Accept everything first, through pipelined transactions, while delivery already runs.
        var accepted = new List<string>();
        await using (var probe = await SmtpProbe.ConnectAsync(endpoint))
        {
            await probe.ReplyAsync();
            await probe.CommandAsync("EHLO load.sender.test");
            for (var i = 0; i < Messages; i++)
            {
                var marker = $"heavy-{i}-{Guid.NewGuid():N}";
                await probe.SendAsync($"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b{i % 7}@heavy.test>\r\nDATA\r\n");
                var replies = new[] { await probe.ReplyAsync(), await probe.ReplyAsync(), await probe.ReplyAsync() };
                Assert.All(replies, r => Assert.NotNull(r));
                Assert.StartsWith("250", await probe.CommandAsync($"Subject: {marker}\r\n\r\nbody {i}\r\n."), StringComparison.Ordinal);
                accepted.Add(marker);
            }
        }

        // Kill while delivery is in full flow.
        // The sink answers DATA after a second: at most 20 messages a second leave, so most are still queued.
        await Wait.UntilAsync(() => Markers(sink).Count >= 40, "delivery is under way", TimeSpan.FromSeconds(60));
        await node.KillAsync();
        var beforeRestart = Markers(sink).Count;
        Assert.InRange(beforeRestart, 40, Messages - 1);

        node.Start();
        await Wait.UntilAsync(() => accepted.All(Markers(sink).Contains), "every accepted message reached the sink", TimeSpan.FromSeconds(120));
        var deliveries = sink.Delivered().Select(d => SubjectMarker().Match(d).Value).Where(m => m.Length > 0).ToList();
        // At most the transactions in flight at the kill (one per connection) can go out twice.
        Assert.InRange(deliveries.Count - deliveries.Distinct().Count(), 0, Connections);
        await Wait.UntilAsync(() => Directory.GetFiles(Path.Combine(node.DataDir, "queue"), "*.msg").Length == 0, "the queue is empty");
    }

    private static HashSet<string> Markers(SmtpSink sink) =>
        [.. sink.Delivered().Select(d => SubjectMarker().Match(d).Value).Where(m => m.Length > 0)];

    [GeneratedRegex(@"heavy-\d+-[0-9a-f]{32}")]
    private static partial Regex SubjectMarker();
}
