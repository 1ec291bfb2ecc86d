using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// Outbound connections wait <c>idle_connection_seconds</c> for the next message to their
/// domain instead of closing at once; one the server closed meanwhile is replaced without
/// deferring anything. Against Postfix's smtp-sink, and under load against a Postfix receiver
/// that takes its time as a real MTA does: a connection is opened for a backlog only, and every
/// one carries mail.
/// </summary>
public sealed class ConnectionReuseTests
{
    [Fact]
    public async Task The_next_message_takes_the_waiting_connection_and_a_closed_one_is_replaced_quietly()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var sinkEndpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), sinkEndpoint);
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{sinkEndpoint.Port}}}}]}]
            destination_controls: [{domain: example.test, tls: none, idle_connection_seconds: 30}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("connection reuse"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");
        var mailLog = Path.Combine(node.DataDir, "logs", "mail.current");

        var first = await SendAsync(smtp, mailLog);
        var second = await SendAsync(smtp, mailLog);

        Assert.Equal(first.Dcid, second.Dcid);
        Assert.Single(Regex.Matches(await File.ReadAllTextAsync(mailLog), "New SMTP DCID "));

        // The receiver goes away while the connection waits: the next message gets a new one, undelayed.
        await sink.DisposeAsync();
        sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), sinkEndpoint);
        await using (sink)
        {
            var third = await SendAsync(smtp, mailLog);
            var log = await File.ReadAllTextAsync(mailLog);

            Assert.NotEqual(first.Dcid, third.Dcid);
            Assert.Contains($"DCID {first.Dcid} the server closed the cached connection", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Delayed:", log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Under_steady_load_to_a_postfix_receiver_few_connections_are_opened_and_each_carries_mail()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var pem = await cluster.Manager.CertificateWithKeyPemAsync("demo");
        var chain = Path.Combine(cluster.Root, "receiver.pem");
        await File.WriteAllTextAsync(chain, pem);
        var at = IPAddress.Parse("127.0.1.60");
        await using var receiver = await PostfixInstance.StartReceiverAsync(Path.Combine(cluster.Root, "receiver"), new IPEndPoint(at, FreePort.On(at)), "mx.relay.test", "encrypt",
            extra: new Dictionary<string, string> { ["smtpd_tls_chain_files"] = chain });
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: LOAD, behavior: relay, tls: preferred}]
            sender_groups: [{name: LOCAL, policy: LOAD, members: [127.0.0.0/8]}]
            listeners: [{name: Relay, type: private, interface: Data1, port: {{{smtp.Port}}}, certificate: demo, host_access_table: [LOCAL], default_policy: LOAD}]
            smtp_routes: [{domain: relay.test, hosts: [{host: {{{at}}}, port: {{{receiver.Smtpd.Port}}}}]}]
            destination_controls: [{domain: relay.test, tls: required, max_concurrent_connections: 20, max_messages_per_connection: 50}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("relay to postfix"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

        // A burst, then a trickle within the connections' idle time: a connection opened for the
        // burst's backlog that found it taken by the others carries the trickle's mail first.
        var load = await SmtpLoad.RunAsync(smtp, clients: 10, messagesPerClient: 30, BenchmarkArguments.Body, "user@relay.test", shape: new SmtpLoad.Shape(StartTls: true));
        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(250);
            load = load with { Accepted = load.Accepted + (await SmtpLoad.RunAsync(smtp, 1, 1, BenchmarkArguments.Body, "user@relay.test", $"trickle{i}")).Accepted };
        }

        Assert.Equal(306, load.Accepted);
        await Wait.UntilAsync(() => receiver.Delivered().Count == 306, "every message reached the receiver", TimeSpan.FromSeconds(90));
        // The node's connections idle out (2 s) and QUIT: then each has its disconnect line.
        string log = "";
        await Wait.UntilAsync(async () =>
        {
            log = await receiver.MailLogTextAsync();
            return Regex.Count(log, @"smtpd\[\d+\]: connect from ") == Regex.Count(log, @"smtpd\[\d+\]: disconnect from ");
        }, "the node closed its connections");

        // The node's connections say EHLO; the start-up probe of the receiver's port says nothing.
        var connections = Regex.Matches(log, @"smtpd\[\d+\]: disconnect from .* ehlo=.*").Select(m => m.Value).ToList();
        Assert.All(connections, c => Assert.Matches(@" data=[1-9]", c));
        Assert.InRange(connections.Count, 1, 30);
    }

    // Sends one message; returns its MID and the DCID that delivered it.
    private static async Task<(string Mid, string Dcid)> SendAsync(IPEndPoint smtp, string mailLog)
    {
        var sent = await Swaks.SendAsync(smtp, "user@example.test");
        Assert.True(sent.ExitCode == 0, sent.Output);
        var mid = Regex.Match(sent.Output, @"queued as (\d+)").Groups[1].Value;
        var done = new Regex($@"Message done DCID (\d+) MID {mid} ");
        // As the appliance logs it: queued before the client's 250, the receiver's answer after delivery
        // (the log is written behind the mail: wait for the answer's line, the last of the delivery).
        var response = new Regex($@"Info: MID {mid} RID \[0\] Response '2\.0\.0 [^'\n]+'\n");
        await Wait.UntilAsync(async () => response.IsMatch(await File.ReadAllTextAsync(mailLog)), $"MID {mid} is delivered");
        var log = await File.ReadAllTextAsync(mailLog);
        Assert.Contains($"Info: MID {mid} queued for delivery\n", log, StringComparison.Ordinal);
        return (mid, done.Match(log).Groups[1].Value);
    }
}
