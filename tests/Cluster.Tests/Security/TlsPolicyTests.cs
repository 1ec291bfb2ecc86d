using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// TLS policies as openssl s_client and a receiving Postfix see them: the default offers no CBC
/// suite, a TLS-1.3-only listener refuses a TLS 1.2 client, a partner's policy offers exactly what
/// it names, and the node's HTTPS, the manager and outbound delivery follow theirs.
/// </summary>
public sealed class TlsPolicyTests
{
    [Fact]
    public async Task Listeners_node_HTTPS_the_manager_and_delivery_offer_what_their_policies_say()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var m = cluster.Manager;
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "tls-policy")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var mx = await ca.IssueAsync("mx.partner.test", "mx");
        await using var receiver = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "receiver"), new IPEndPoint(IPAddress.Parse("127.0.1.43"), 25), "mx.partner.test", "may", await ca.ChainAsync(mx.Certificate), mx.Key);
        var (open, modern, partner, https) = (Endpoint(node), Endpoint(node), Endpoint(node), Endpoint(node));
        (await m.LoadConfigAsync($$$"""
            tls_policies:
              - {name: Modern, min_version: tls1_3}
              - {name: Partner, max_version: tls1_2, tls12_cipher_suites: [ECDHE-RSA-AES128-SHA256]}
              - {name: ToPartner, max_version: tls1_2, tls12_cipher_suites: [ECDHE-RSA-AES256-GCM-SHA384]}
            manager: {tls_policy: Modern}
            """, merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            hostname: relay.node1.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, https: {enabled: true, port: {{{https.Port}}}, certificate: demo, anonymous_read: true, tls_policy: Modern}}]
            mail_flow_policies: [{name: P_RELAY, behavior: relay, tls: preferred}, {name: P_BLOCK, behavior: reject}]
            sender_groups: [{name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}]
            listeners:
              - {name: Open, type: private, interface: Data1, port: {{{open.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}
              - {name: Modern, type: private, interface: Data1, port: {{{modern.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK, tls_policy: Modern}
              - {name: Partner, type: private, interface: Data1, port: {{{partner.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK, tls_policy: Partner}
            smtp_routes: [{domain: partner.test, hosts: [{host: 127.0.1.43, port: 25}]}]
            destination_controls: [{domain: partner.test, tls: required, tls_policy: ToPartner}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("TLS policies"));
        await Wait.UntilAsync(() => new[] { open, modern, partner, https }.All(FreePort.Accepts), "the listeners and HTTPS accept");

        // The default policy: no CBC suite in TLS 1.2 (testssl.sh's LOW, LUCKY13), an AEAD one instead.
        Assert.Equal("", await StartTlsAsync(work, open, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256"));
        Assert.Matches("^TLSv1.2 ECDHE-RSA-(AES256-GCM-SHA384|CHACHA20-POLY1305|AES128-GCM-SHA256)$", await StartTlsAsync(work, open, "-tls1_2"));
        Assert.StartsWith("TLSv1.3 ", await StartTlsAsync(work, open), StringComparison.Ordinal);

        // TLS 1.3 only: a TLS 1.2 client is refused, on SMTP and on the node's HTTPS.
        Assert.Equal("", await StartTlsAsync(work, modern, "-tls1_2"));
        Assert.StartsWith("TLSv1.3 ", await StartTlsAsync(work, modern, "-tls1_3"), StringComparison.Ordinal);
        Assert.Equal("", await OpenSsl.NegotiatedAsync(work, https, "-tls1_2"));
        Assert.StartsWith("TLSv1.3 ", await OpenSsl.NegotiatedAsync(work, https), StringComparison.Ordinal);

        // The partner's policy: the one CBC suite it names, and nothing else.
        Assert.Equal("TLSv1.2 ECDHE-RSA-AES128-SHA256", await StartTlsAsync(work, partner));
        Assert.Equal("", await StartTlsAsync(work, partner, "-tls1_3"));
        Assert.Equal("", await StartTlsAsync(work, partner, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"));

        // The manager follows its policy from the commit on, and its node keeps its stream.
        await Wait.UntilAsync(async () => await OpenSsl.NegotiatedAsync(work, m.Endpoint, "-tls1_2") == "", "the manager refuses TLS 1.2");
        Assert.StartsWith("TLSv1.3 ", await OpenSsl.NegotiatedAsync(work, m.Endpoint), StringComparison.Ordinal);
        (await m.LoadConfigAsync("tls_policies: [{name: Spare}]", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("after the manager's policy"));

        // Delivery to the partner: Postfix's Received header says what the node's client offered.
        Assert.Equal(0, (await Swaks.SendAsync(open, "user@partner.test", "--header", "Subject: policy out")).ExitCode);
        await Wait.UntilAsync(() => receiver.Delivered().Any(d => d.Contains("policy out", StringComparison.Ordinal)), "the partner received the message");
        Assert.Contains("using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384", receiver.Delivered().Single(d => d.Contains("policy out", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private static IPEndPoint Endpoint(NodeInstance node) => new(node.Address, FreePort.On(node.Address));

    private static Task<string> StartTlsAsync(string work, IPEndPoint listener, params string[] options) =>
        OpenSsl.NegotiatedAsync(work, listener, ["-starttls", "smtp", .. options]);
}
