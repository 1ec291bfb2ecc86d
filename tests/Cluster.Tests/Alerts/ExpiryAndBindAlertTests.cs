using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Cluster.Tests.Alerts;

/// <summary>
/// Two more alert classes end to end, mailed by the node to an smtp-sink with the appliance's
/// subject: a certificate expiring soon (raised by the manager, once however often it checks)
/// and a listener that cannot bind its port when the node starts (the node runs its version all
/// the same, mail and alerts included). Alert mail is DKIM-signed by the profile of its sender's
/// domain, and dkimpy verifies it.
/// </summary>
public sealed class ExpiryAndBindAlertTests
{
    [Fact]
    public async Task An_expiring_certificate_and_a_listener_that_cannot_bind_are_each_mailed_once()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        await using var _ = sink;
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.CliAsync("signingkeys", "new", "alerts", "--algorithm", "ed25519")).Succeeded();
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(cluster.Root, "dnsmasq.log"), [],
            extra: [Dnsmasq.TxtRecord("a1._domainkey.example.test", await DkimRecords.StringsAsync(m, "alerts", "example.test", "a1"))]);
        (await m.LoadConfigAsync($$$"""
            hostname: alerts.node1.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: ACCEPTED, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            alert_recipients: [{address: admin@alerts.test, subscriptions: [{class: system, severities: [critical, warning]}]}]
            alert_settings: {from_address: gatehouse@example.test}
            dkim_profiles: [{name: Alerts, domain: example.test, selector: a1, key: alerts}]
            smtp_routes: [{domain: alerts.test, hosts: [{host: 127.0.0.1, port: {{{sink.Endpoint.Port}}}}]}]
            """, merge: true)).Succeeded();
        (await m.CliAsync("certconfig", "new", "soon", "--cn", "soon.example.test", "--days", "10")).Succeeded();
        var version = await m.CommitAsync("alerts to the sink; a certificate that expires in 10 days");
        await node.WaitAppliedAsync(version);
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

        // The manager checks expiry when it starts and hourly.
        await m.StopAsync();
        await m.StartAsync();
        const string expiring = "Subject: [Warning]-[alerts.node1.test]: (System) Certificate 'soon' (CN=soon.example.test, cluster level) expires in";
        await Wait.UntilAsync(() => Alerts(sink, expiring).Count == 1, "the expiry alert is mailed", TimeSpan.FromSeconds(90));
        var mailed = sink.Delivered().Single(x => x.Contains("expires in", StringComparison.Ordinal));
        Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(cluster.Root, dns.Endpoint, mailed));

        // Another check (another start) raises nothing new for the same threshold.
        await m.StopAsync();
        await m.StartAsync();
        await node.WaitConnectedAsync();
        await Task.Delay(TestJobPeriods.Rounds(3));
        Assert.Single(Alerts(sink, expiring));

        // The node starts while something else holds its listener's port.
        await node.StopAsync();
        using (var squatter = new TcpListener(smtp))
        {
            squatter.Start();
            node.Start();
            await Wait.UntilAsync(() => Alerts(sink, $"Subject: [Critical]-[alerts.node1.test]: (System) Listener In cannot listen on {smtp}").Count == 1,
                "the bind failure is mailed", TimeSpan.FromSeconds(90));
            // The node runs the version it had, and says so: not refused for the port it found taken.
            Assert.Equal(version, node.Status().AppliedVersion);
            Assert.DoesNotContain("Refused configuration", node.Process.Output, StringComparison.Ordinal);
        }
    }

    // The sink's messages with this subject, headers unfolded.
    private static List<string> Alerts(SmtpSink sink, string subject) =>
        [.. sink.Delivered().Select(x => x.Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\n ", " ", StringComparison.Ordinal))
            .Where(x => x.Contains(subject, StringComparison.Ordinal))];
}
