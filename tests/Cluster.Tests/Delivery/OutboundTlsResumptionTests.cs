using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// A new outbound connection to a host the node spoke TLS 1.3 with before offers that
/// session's ticket and resumes it: no full handshake on either end. Postfix, as receiver,
/// says so in its log ("Reusing old session" at smtpd_tls_loglevel 2). Sessions are kept by
/// host name, as a next hop found through DNS always has one.
/// </summary>
public sealed class OutboundTlsResumptionTests
{
    [Fact]
    public async Task A_second_connection_to_the_same_host_resumes_the_TLS_session()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "resumption")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Resumption");
        var (certificate, key) = await ca.IssueAsync("mx.resume.test", "mx");
        var receiverEndpoint = new IPEndPoint(IPAddress.Parse("127.0.1.60"), FreePort.On(IPAddress.Parse("127.0.1.60")));
        await using var receiver = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "postfix"), receiverEndpoint, "mx.resume.test", "may",
            await ca.ChainAsync(certificate), key, new Dictionary<string, string> { ["smtpd_tls_loglevel"] = "2" });
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], [("mx.resume.test", receiverEndpoint.Address.ToString())]);
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            smtp_routes: [{domain: resume.test, hosts: [{host: mx.resume.test, port: {{{receiverEndpoint.Port}}}}]}]
            destination_controls: [{domain: resume.test, tls: required, idle_connection_seconds: 1}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: resume.test, action: accept}]}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("tls resumption"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");
        var mailLog = Path.Combine(node.DataDir, "logs", "mail.current");

        foreach (var n in new[] { 1, 2 })
        {
            var sent = await Swaks.SendAsync(smtp, "user@resume.test", "--header", $"Subject: resumption {n}");
            Assert.True(sent.ExitCode == 0, sent.Output);
            // Each message on a connection of its own: the first closes before the second is sent.
            await Wait.UntilAsync(async () => Regex.Count(await File.ReadAllTextAsync(mailLog), @"Info: DCID \d+ close") >= n, $"connection {n} closed");
        }

        var log = await File.ReadAllTextAsync(mailLog);
        Assert.Equal(2, Regex.Count(log, @"DCID \d+ TLS success protocol TLSv1\.3"));
        // Postfix stores the mail and writes its log behind the SMTP dialogue: wait for both.
        await Wait.UntilAsync(() => receiver.Delivered().Count == 2, "Postfix stored both messages");
        await Wait.UntilAsync(async () => (await receiver.MailLogTextAsync()).Contains("Reusing old session", StringComparison.Ordinal), "Postfix logged the resumption");
        var postfix = await receiver.MailLogTextAsync();
        Assert.True(Regex.Count(postfix, "Reusing old session") == 1, postfix);
    }
}
