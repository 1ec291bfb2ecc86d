using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>IN-6 and IN-1: nothing acknowledged is lost, and listeners follow the configuration live.</summary>
public sealed class DurableAcceptTests
{
    [Fact]
    public async Task Every_message_acknowledged_before_a_kill_9_is_in_the_queue_after_restart()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var endpoint = new System.Net.IPEndPoint(node.Address, FreePort.On(node.Address));
        await ListenAsync(cluster, endpoint);
        var acknowledged = new List<(string Mid, string Subject)>();

        await using (var probe = await SmtpProbe.ConnectAsync(endpoint))
        {
            await probe.ReplyAsync();
            await probe.CommandAsync("EHLO client.sender.test");
            for (var i = 0; i < 400; i++)
            {
                if (i == 40)
                {
                    // Kill while the client keeps sending: the next replies never come.
                    _ = node.KillAsync();
                }

                var subject = $"crash-test-{i}-{Guid.NewGuid():N}";
                await probe.SendAsync($"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
                var replies = new[] { await probe.ReplyAsync(), await probe.ReplyAsync(), await probe.ReplyAsync() };
                if (replies.Any(r => r is null))
                {
                    break;
                }

                await probe.SendAsync($"Subject: {subject}\r\n\r\nbody {i}\r\n.\r\n");
                var done = await probe.ReplyAsync();
                if (done is null)
                {
                    break;
                }

                acknowledged.Add((Regex.Match(done, @"queued as (\d+)").Groups[1].Value, subject));
            }
        }

        Assert.InRange(acknowledged.Count, 40, 399);
        node.Start();
        await node.WaitConnectedAsync();
        var queue = Path.Combine(node.DataDir, "queue");
        foreach (var (mid, subject) in acknowledged)
        {
            Assert.True(QueueFiles.Holds(queue, $"{mid}"), $"MID {mid} lost its envelope");
            Assert.Contains($"Subject: {subject}", await File.ReadAllTextAsync(Path.Combine(queue, $"{mid}.msg")), StringComparison.Ordinal);
        }

        Assert.All(Directory.GetFiles(queue, "*.msg"), data => Assert.True(QueueFiles.Holds(queue, Path.GetFileNameWithoutExtension(data)), $"{data} has no envelope"));
    }

    [Fact]
    public async Task Listeners_start_change_and_stop_with_commits_and_sessions_finish_on_their_version()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var endpoint = new System.Net.IPEndPoint(node.Address, FreePort.On(node.Address));
        Assert.False(FreePort.Accepts(endpoint));

        await ListenAsync(cluster, endpoint);
        await using var session = await SmtpProbe.ConnectAsync(endpoint);
        Assert.StartsWith("220", await session.ReplyAsync(), StringComparison.Ordinal);
        Assert.Contains("STARTTLS", await session.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);

        // Same listener, TLS now off: new sessions see it, the open one keeps its version.
        (await cluster.Manager.LoadConfigAsync("mail_flow_policies: [{name: OPEN, behavior: accept, tls: off}]", machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("TLS off"));
        await using (var fresh = await SmtpProbe.ConnectAsync(endpoint))
        {
            await fresh.ReplyAsync();
            Assert.DoesNotContain("STARTTLS", await fresh.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
        }

        Assert.Contains("STARTTLS", await session.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);

        // Listener removed: no new connections, but the session in progress completes its message.
        (await cluster.Manager.LoadConfigAsync($"hostname: mx1.example.test\nip_interfaces: [{{name: Data1, address: {node.Address}}}]", machine: "node1")).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("listener removed"));
        await Wait.UntilAsync(() => !FreePort.Accepts(endpoint), "the listener stops accepting");
        Assert.StartsWith("250", await session.CommandAsync("MAIL FROM:<a@sender.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await session.CommandAsync("RCPT TO:<b@example.test>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await session.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 Ok: queued as", await session.CommandAsync("Subject: late\r\n\r\nstill accepted\r\n."), StringComparison.Ordinal);
    }

    private static async Task ListenAsync(TestCluster cluster, System.Net.IPEndPoint endpoint)
    {
        // example.test's route refuses connections, so accepted mail stays queued for the checks.
        (await cluster.Manager.LoadConfigAsync($$$"""
            hostname: mx1.example.test
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{FreePort.On(System.Net.IPAddress.Loopback)}}}}]}]
            ip_interfaces: [{name: Data1, address: {{{endpoint.Address}}}}]
            mail_flow_policies: [{name: OPEN, behavior: accept, tls: preferred}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{endpoint.Port}}}, certificate: demo, default_policy: OPEN, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        await cluster.Node("node1").WaitAppliedAsync(await cluster.Manager.CommitAsync("listener"));
        await Wait.UntilAsync(() => FreePort.Accepts(endpoint), "the listener accepts");
    }
}
