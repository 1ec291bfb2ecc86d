using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>
/// The mail log shipped to rsyslog over RFC 5425 TLS with the node's managed client
/// certificate, as the appliance's log subscriptions push: refused without the certificate,
/// and the lines kept meanwhile arrive once it is set.
/// </summary>
public sealed class SyslogShippingTests
{
    private static string Syslog(int port, string clientCertificate) =>
        $"{{mail_log: {{syslog: {{host: localhost, port: {port}, tls: true, client_certificate: '{clientCertificate}'}}}}}}";

    [Fact]
    public async Task Mail_log_lines_reach_rsyslog_over_TLS_with_the_client_certificate()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "syslog")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Logs");
        var server = await ca.IssueAsync("localhost", "rsyslog");
        var client = await ca.IssueAsync("node1.logs.test", "syslog-client", ["extendedKeyUsage=clientAuth"]);
        var cas = await ca.TrustBundleAsync();
        await using var rsyslog = await Rsyslog.StartAsync(Path.Combine(work, "rsyslog"), await ca.ChainAsync(server.Certificate), server.Key, cas);
        var m = cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", cas)).Succeeded();
        (await m.CliAsync("certconfig", "paste", "syslog-client", "--cert", await ca.ChainAsync(client.Certificate), "--key", client.Key)).Succeeded();
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        string Level(string clientCertificate) => $$$"""
            hostname: mx1.logs.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            system: {{{Syslog(rsyslog.Endpoint.Port, clientCertificate)}}}
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            """;
        (await m.LoadConfigAsync(Level(""), machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("syslog without a client certificate"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

        var early = await Swaks.SendAsync(smtp, "early@example.test", "--quit-after", "RCPT");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain("early@example.test", await rsyslog.ReceivedTextAsync(), StringComparison.Ordinal);

        (await m.LoadConfigAsync(Level("syslog-client"), machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("syslog with the client certificate"));
        var late = await Swaks.SendAsync(smtp, "late@example.test", "--quit-after", "RCPT");

        Assert.Equal(0, early.ExitCode);
        Assert.Equal(0, late.ExitCode);
        await Wait.UntilAsync(async () => (await rsyslog.ReceivedTextAsync()).Contains("To: <late@example.test>", StringComparison.Ordinal), "rsyslog received the late line");
        var received = (await rsyslog.ReceivedTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Nothing written while the server refused the node was lost: every line up to the late one arrived.
        // (The file's own header, Begin Logfile and the rest, is not a mail event and is not sent.)
        var mailLog = (await File.ReadAllLinesAsync(Path.Combine(node.DataDir, "logs", "mail.current"))).Skip(3)
            .Select(l => l[(l.IndexOf(": ", 20, StringComparison.Ordinal) + 2)..]).ToList();
        var upToLate = mailLog.Take(mailLog.FindIndex(l => l.Contains("To: <late@example.test>", StringComparison.Ordinal)) + 1);
        Assert.All(upToLate, line => Assert.Contains(received, r => r.EndsWith(line, StringComparison.Ordinal)));
        // Parsed by rsyslog as RFC 5424: host, application, message id and severity in their fields.
        Assert.Contains(received, l => l.StartsWith("mx1.logs.test gatehouse Recipient info Info: ", StringComparison.Ordinal) && l.Contains("To: <early@example.test>", StringComparison.Ordinal));
        Assert.Contains(received, l => l.StartsWith("mx1.logs.test gatehouse NewConnection info Info: New SMTP ICID ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_never_completes_the_TLS_handshake_is_given_up_and_tried_again()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        // Takes the connection (the kernel completes it) and never answers the ClientHello.
        var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            (await cluster.Manager.LoadConfigAsync(
                $"system: {{mail_log: {{syslog: {{host: 127.0.0.1, port: {port}, tls: true, connect_timeout_seconds: 2}}}}}}", machine: "node1", merge: true)).Succeeded();
            await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("syslog to a silent server"));
            await Wait.UntilAsync(async () => Regex.Count(await File.ReadAllTextAsync(node.LogFile), $@"Syslog server 127\.0\.0\.1:{port} unreachable: TLS handshake not complete within 2 s") >= 2,
                "the node gives the handshake up, and again after trying anew");
        }
        finally
        {
            silent.Stop();
        }
    }
}
