using System.Net;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>
/// A node stopped for an upgrade never cuts a transaction in half: sessions in progress may
/// finish within the drain time, those still sending then get <c>421 4.3.2</c>, and nothing
/// half received stays in the spool.
/// </summary>
public sealed class DrainTests
{
    [Fact]
    public async Task A_stop_lets_a_finishing_sender_have_250_and_gives_a_stalled_one_421()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var closed = FreePort.On(IPAddress.Loopback);
        (await cluster.Manager.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{closed}}}}]}]
            system: {smtp: {drain_seconds: 3}}
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("drain"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");
        await using var finishing = await InDataAsync(smtp, "finishing");
        await using var stalled = await InDataAsync(smtp, "stalled");

        var stop = node.StopAsync();
        await Wait.UntilAsync(() => !FreePort.Accepts(smtp), "the listener stops accepting");
        await finishing.SendAsync("the rest of it\r\n.\r\n");
        var finished = await finishing.ReplyAsync(TimeSpan.FromSeconds(10));
        var cut = await stalled.ReplyAsync(TimeSpan.FromSeconds(15));
        await stop;

        Assert.StartsWith("250 2.0.0 Ok: queued as", finished, StringComparison.Ordinal);
        Assert.Equal("421 4.3.2 Service shutting down, closing transmission channel", cut);
        var queue = Path.Combine(node.DataDir, "queue");
        var data = Directory.GetFiles(queue, "*.msg").Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.Single(data);
        Assert.All(data, mid => Assert.True(QueueFiles.Holds(queue, mid!), $"MID {mid} has data without an envelope"));
        Assert.Contains("Receiving Failed: the listener is stopping; MID", await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current")),
            StringComparison.Ordinal);
    }

    // A session past DATA with part of its message sent.
    private static async Task<SmtpProbe> InDataAsync(IPEndPoint smtp, string subject)
    {
        var probe = await SmtpProbe.ConnectAsync(smtp);
        await probe.ReplyAsync();
        Assert.StartsWith("250", await probe.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
        Assert.StartsWith("250", await probe.CommandAsync("MAIL FROM:<sender@sender.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await probe.CommandAsync("RCPT TO:<user@example.test>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await probe.CommandAsync("DATA"), StringComparison.Ordinal);
        await probe.SendAsync($"Subject: {subject}\r\n\r\nthe first half\r\n");
        return probe;
    }
}
