using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// The appliance's suspenddel/resumedel, delivernow and bounce/delete of queued mail, from the
/// node's CLI and through the manager, against a held domain: a receiver without STARTTLS
/// under required TLS.
/// </summary>
public sealed partial class QueueControlTests
{
    [Fact]
    public async Task Suspend_stops_attempts_resume_restarts_them_redirect_delivers_elsewhere_bounce_tells_the_sender_and_delete_does_not()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var heldAddress = IPAddress.Parse("127.0.1.70");
        await using var held = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "held"), new IPEndPoint(heldAddress, FreePort.On(heldAddress)));
        await using var senders = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "senders"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var otherAddress = IPAddress.Parse("127.0.1.71");
        await using var other = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "other"), new IPEndPoint(otherAddress, FreePort.On(otherAddress)));
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            system: {queue: {initial_retry_seconds: 1, max_retry_seconds: 2}}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: relay, tls: off}]
            sender_groups: [{name: LOCAL, policy: P, members: [127.0.0.0/8]}]
            smtp_routes:
              - {domain: held.test, hosts: [{host: {{{heldAddress}}}, port: {{{held.Endpoint.Port}}}}]}
              - {domain: sender.test, hosts: [{host: 127.0.0.1, port: {{{senders.Endpoint.Port}}}}]}
            destination_controls: [{domain: held.test, tls: required}, {domain: sender.test, tls: none}]
            listeners: [{name: Relay, type: private, interface: Data1, port: {{{smtp.Port}}}, host_access_table: [LOCAL], default_policy: P}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("queue control"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");
        var mailLog = Path.Combine(node.DataDir, "logs", "mail.current");
        string Log() => File.ReadAllText(mailLog);
        int Attempts() => Regex.Count(Log(), $@"New SMTP DCID \d+ interface \S+ address {Regex.Escape(heldAddress.ToString())} ");

        var mids = new List<string>();
        foreach (var n in new[] { 1, 2, 3 })
        {
            var sent = await Swaks.SendAsync(smtp, "user@held.test", "--from", "someone@sender.test", "--header", $"Subject: held {n}");
            mids.Add(QueuedAs().Match(sent.Succeeded().Output).Groups[1].Value);
        }

        await Wait.UntilAsync(() => mids.All(m => Log().Contains($"Delayed: DCID 0 MID {m} ", StringComparison.Ordinal)), "the messages are held");

        // The queue by domain, on the node and through the manager.
        Assert.Matches(@"By domain:\n    held\.test  messages 3  recipients 3  oldest \d+m\d+s\n", (await node.CliAsync("queue")).Succeeded().Output);
        Assert.Matches(@"node1: held\.test  messages 3  recipients 3  oldest \d+m\d+s", (await cluster.Manager.CliAsync("queue", "summary")).Succeeded().Output);

        // Suspended through the manager on every connected node: several retry periods pass
        // without a connection to the receiver.
        Assert.Contains("node1: Delivery to held.test is suspended", (await cluster.Manager.CliAsync("queue", "suspend", "held.test")).Succeeded().Output, StringComparison.Ordinal);
        Assert.Contains("held.test", (await node.CliAsync("queue", "suspended")).Succeeded().Output, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var suspendedAt = Attempts();
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(suspendedAt, Attempts());
        Assert.Contains("Delivery suspended for held.test by the administrator", Log(), StringComparison.Ordinal);

        // Resumed: tried again at once.
        (await node.CliAsync("queue", "resume", "held.test")).Succeeded();
        await Wait.UntilAsync(() => Attempts() > suspendedAt, "delivery to held.test is tried again", TimeSpan.FromSeconds(15));

        // Redirect: the third goes to another host (no MX lookup, the default destination control).
        await Wait.UntilAsync(async () => (await node.CliAsync("queue", "redirect", mids[2], $"[{otherAddress}]:{other.Endpoint.Port}")).ExitCode == 0, $"MID {mids[2]} is redirected (between attempts)");
        await Wait.UntilAsync(() => other.Delivered().Any(m => m.Contains("Subject: held 3", StringComparison.Ordinal)), "the redirected message arrives at the other host");
        Assert.Contains($"MID {mids[2]} redirected to [{otherAddress}]:{other.Endpoint.Port} by the administrator", Log(), StringComparison.Ordinal);
        Assert.Contains("is not a host", (await node.CliAsync("queue", "redirect", mids[0], "not a host!")).Error, StringComparison.Ordinal);

        // Bounce: the sender gets a DSN for that message; delete: the other goes without a word.
        await Wait.UntilAsync(async () => (await cluster.Manager.CliAsync("queue", "bounce", mids[0], "--machine", "node1")).ExitCode == 0, $"MID {mids[0]} is bounced (between attempts)");
        await Wait.UntilAsync(async () => (await node.CliAsync("queue", "delete", mids[1])).ExitCode == 0, $"MID {mids[1]} is deleted (between attempts)");
        await Wait.UntilAsync(() => senders.Delivered().Any(m => m.Contains("Delivery Status Notification", StringComparison.Ordinal)), "the DSN reaches the sender");
        var dsn = Assert.Single(senders.Delivered());
        Assert.Contains("Subject: held 1", dsn, StringComparison.Ordinal);
        Assert.Contains("Status: 5.0.0", dsn, StringComparison.Ordinal);
        Assert.Contains($"MID {mids[1]} deleted from the queue by the administrator", Log(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(node.DataDir, "queue", $"{mids[0]}.msg")));
        Assert.False(File.Exists(Path.Combine(node.DataDir, "queue", $"{mids[1]}.msg")));
        Assert.Contains("is not in the queue", (await node.CliAsync("queue", "delete", mids[1])).Error, StringComparison.Ordinal);
        Assert.Contains("node1: refused: MID 999999 is not in the queue", (await cluster.Manager.CliAsync("queue", "delete", "999999", "--machine", "node1")).Output, StringComparison.Ordinal);
        Assert.NotEqual(0, (await cluster.Manager.CliAsync("queue", "delete", mids[1])).ExitCode);
        var forged = await cluster.Manager.CliAsync("queue", "suspend", "held.test\nforged audit line");
        Assert.NotEqual(0, forged.ExitCode);
        Assert.Contains("not a domain name", forged.Error, StringComparison.Ordinal);
        var audit = (await cluster.Manager.CliAsync("audit")).Succeeded().Output;
        Assert.Contains("queue suspend  held.test on every connected node: node1 ok: Delivery to held.test is suspended", audit, StringComparison.Ordinal);
        Assert.Contains($"queue bounce  MID {mids[0]} on node1: node1 ok", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("forged audit line", audit, StringComparison.Ordinal);

        // Only the node's user reaches the control socket.
        var foreign = await ManagedProcess.RunProgramAsync("runuser", ["-u", "nobody", "--", "python3", "-c",
            $"import socket; s = socket.socket(socket.AF_UNIX); s.connect('{Path.Combine(node.DataDir, "run", "control.sock")}')"]);
        Assert.NotEqual(0, foreign.ExitCode);
        Assert.Contains("PermissionError", foreign.Error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"queued as (\d+)")]
    private static partial Regex QueuedAs();
}
