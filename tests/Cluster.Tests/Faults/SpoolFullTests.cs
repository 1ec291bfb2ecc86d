using System.Net;

namespace Gatehouse.Cluster.Tests.Faults;

/// <summary>
/// A node whose spool filesystem fills up (a small tmpfs here) refuses new mail in words a
/// sender understands — 452 4.3.1 before DATA, 451 4.3.0 when a write fails inside it — keeps
/// nothing half-written, and takes mail again, delivering everything, once space returns.
/// </summary>
public sealed class SpoolFullTests
{
    private const int Megabyte = 1024 * 1024;

    [Fact]
    public async Task A_full_spool_refuses_new_mail_clearly_leaves_no_partial_file_and_recovers()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var node = cluster.NewNode("node1");
        (await node.JoinAsync(cluster.Manager, await cluster.Manager.CreateTokenAsync())).Succeeded();
        var queue = Directory.CreateDirectory(Path.Combine(node.DataDir, "queue")).FullName;
        (await ManagedProcess.RunProgramAsync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", queue])).Succeeded();
        try
        {
            await RunAsync(cluster, node, queue);
        }
        finally
        {
            await node.StopAsync();
            await ManagedProcess.RunProgramAsync("umount", [queue]);
        }
    }

    private static async Task RunAsync(TestCluster cluster, NodeInstance node, string queue)
    {
        var m = cluster.Manager;
        node.Start();
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var sinkEndpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.test}]
            system: {queue: {reserve_bytes: {{{2 * Megabyte}}}, initial_retry_seconds: 60}}
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{sinkEndpoint.Port}}}}]}]
            mail_flow_policies: [{name: BIG, behavior: accept, tls: off, max_message_size_bytes: {{{20 * Megabyte}}}}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, certificate: demo, default_policy: BIG, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("spool on a small filesystem"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

        // Room enough: a 1 MB message is accepted (and held: its receiver is not up yet).
        var first = await SendAsync(smtp, "first@example.test", Megabyte, size: Megabyte + 1000);
        Assert.StartsWith("250 2.0.0", first, StringComparison.Ordinal);
        var firstMid = first!.Split(' ')[^1];
        await WaitForLogAsync(node, $"Delayed: DCID 0 MID {firstMid} ");

        // A declared size beyond what is left above the reserve is refused at MAIL.
        await using (var probe = await GreetedAsync(smtp))
        {
            Assert.Equal("452 4.3.1 Insufficient system storage; try again later", await probe.CommandAsync($"MAIL FROM:<a@sender.test> SIZE={6 * Megabyte}"));
        }

        // A message larger than the free space, sent without SIZE: the write fails inside DATA.
        await FillAsync(queue, "filler-1", 3 * Megabyte);
        Assert.StartsWith("451 4.3.0", await SendAsync(smtp, "too-big@example.test", 5 * Megabyte, size: null), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(queue, "*.msg"));
        await WaitForLogAsync(node, "Receiving Failed: the queue cannot store the message (No space left on device");

        // Below the reserve: RCPT of an open transaction and MAIL of a new one get 452 4.3.1.
        await using (var open = await GreetedAsync(smtp))
        {
            Assert.StartsWith("250", await open.CommandAsync("MAIL FROM:<a@sender.test>"), StringComparison.Ordinal);
            await FillAsync(queue, "filler-2", (int)(new DriveInfo(queue).AvailableFreeSpace - Megabyte));
            Assert.Equal("452 4.3.1 Insufficient system storage; try again later", await open.CommandAsync("RCPT TO:<late@example.test>"));
        }

        await using (var refused = await GreetedAsync(smtp))
        {
            Assert.Equal("452 4.3.1 Insufficient system storage; try again later", await refused.CommandAsync("MAIL FROM:<a@sender.test>"));
        }

        await WaitForLogAsync(node, "Queue storage low:");

        // A retry while the disk is completely full: its progress cannot be saved, and the message
        // must stay scheduled all the same (it is delivered below).
        await FillAsync(queue, "filler-3", (int)new DriveInfo(queue).AvailableFreeSpace);
        (await node.CliAsync("queue", "flush")).Succeeded();
        await WaitForLogAsync(node, $"MID {firstMid} delivery progress not saved");
        File.Delete(Path.Combine(queue, "filler-3"));

        // Space returns: mail is accepted again, and everything accepted is delivered once.
        File.Delete(Path.Combine(queue, "filler-1"));
        File.Delete(Path.Combine(queue, "filler-2"));
        var second = await SendAsync(smtp, "second@example.test", 10_000, size: null);
        Assert.StartsWith("250 2.0.0", second, StringComparison.Ordinal);
        // Both held (their attempts over), so the flush below finds both waiting.
        await WaitForLogAsync(node, $"Delayed: DCID 0 MID {second!.Split(' ')[^1]} ");
        await using var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), sinkEndpoint);
        (await node.CliAsync("queue", "flush")).Succeeded();
        await Wait.UntilAsync(() => sink.Delivered().Count >= 2 && Directory.GetFiles(queue, "*.msg").Length == 0, "both accepted messages are delivered");
        var delivered = sink.Delivered();
        Assert.Equal(2, delivered.Count);
        Assert.Single(delivered, d => d.Contains("first@example.test", StringComparison.Ordinal));
        Assert.Single(delivered, d => d.Contains("second@example.test", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(queue, "*.msg"));
    }

    private static async Task<SmtpProbe> GreetedAsync(IPEndPoint smtp)
    {
        var probe = await SmtpProbe.ConnectAsync(smtp);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO sender.test");
        return probe;
    }

    // One message of about the given size; returns the answer to its end of data (or the first refusal).
    private static async Task<string?> SendAsync(IPEndPoint smtp, string recipient, int bytes, int? size)
    {
        await using var probe = await GreetedAsync(smtp);
        var mail = await probe.CommandAsync("MAIL FROM:<a@sender.test>" + (size is { } declared ? $" SIZE={declared}" : ""));
        if (!mail!.StartsWith("250", StringComparison.Ordinal))
        {
            return mail;
        }

        await probe.CommandAsync($"RCPT TO:<{recipient}>");
        await probe.CommandAsync("DATA");
        var line = new string('x', 998) + "\r\n";
        var body = new System.Text.StringBuilder($"Subject: {recipient}\r\n\r\n");
        while (body.Length < bytes)
        {
            body.Append(line);
        }

        return await probe.CommandAsync(body.Append('.').ToString());
    }

    private static async Task FillAsync(string queue, string name, int bytes) =>
        await File.WriteAllBytesAsync(Path.Combine(queue, name), new byte[Math.Max(bytes, 0)]);

    private static Task WaitForLogAsync(NodeInstance node, string text) =>
        Wait.UntilAsync(() => File.ReadAllText(Path.Combine(node.DataDir, "logs", "mail.current")).Contains(text, StringComparison.Ordinal), $"the mail log says '{text}'");
}
