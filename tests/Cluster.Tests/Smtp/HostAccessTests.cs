using System.Net;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>IN-1, IN-2, IN-3: sender groups by client address, their behaviours, and no open relay.</summary>
[Collection("smtp")]
public sealed class HostAccessTests(SmtpClusterFixture smtp)
{
    [Fact]
    public async Task A_REJECT_group_gets_a_554_banner_and_nothing_but_QUIT()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Hat, IPAddress.Parse("127.0.0.6"));

        Assert.StartsWith("554 ", await probe.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("503 ", await probe.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
        Assert.StartsWith("503 ", await probe.CommandAsync("MAIL FROM:<a@sender.test>"), StringComparison.Ordinal);
        Assert.StartsWith("221 ", await probe.CommandAsync("QUIT"), StringComparison.Ordinal);
        await smtp.WaitForLogAsync("REJECT SG G_REJECT match 127.0.0.6 SBRS None");
    }

    [Fact]
    public async Task A_TCPREFUSE_group_is_closed_before_the_banner()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Hat, IPAddress.Parse("127.0.0.7"));

        Assert.Null(await probe.ReplyAsync());
        await smtp.WaitForLogAsync("TCPREFUSE SG G_REFUSE match 127.0.0.7 SBRS None");
    }

    [Fact]
    public async Task A_RELAY_group_may_send_to_any_domain()
    {
        var relayed = await Swaks.SendAsync(smtp.Hat, "someone@elsewhere.test", "--local-interface", "127.0.0.8");

        Assert.True(relayed.ExitCode == 0, relayed.Output);
        await smtp.WaitForLogAsync("RELAY SG G_RELAY match 127.0.0.8/32 SBRS None");
    }

    [Fact]
    public async Task An_ACCEPT_sender_on_a_public_listener_reaches_only_the_RAT_domains()
    {
        var foreign = await Swaks.SendAsync(smtp.Hat, "someone@elsewhere.test", "--local-interface", "127.0.0.9");
        var local = await Swaks.SendAsync(smtp.Hat, "someone@example.test", "--local-interface", "127.0.0.9");

        Assert.NotEqual(0, foreign.ExitCode);
        Assert.Contains("550 5.7.1 <someone@elsewhere.test>: Relay access denied", foreign.Output, StringComparison.Ordinal);
        Assert.Equal(0, local.ExitCode);
        await smtp.WaitForLogAsync("ACCEPT SG (default) match (none) SBRS None");
    }

    [Fact]
    public async Task The_mail_log_follows_the_appliance_format()
    {
        var sent = await Swaks.SendAsync(smtp.Preferred, "format@example.test", "--tls");
        var mid = System.Text.RegularExpressions.Regex.Match(sent.Output, @"queued as (\d+)").Groups[1].Value;
        await smtp.WaitForLogAsync($"MID {mid} ready");

        var lines = (await smtp.MailLogTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var stamp = @"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} Info: ";
        Assert.All(lines, l => Assert.Matches(@"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} (Info|Warning): ", l));
        var icid = System.Text.RegularExpressions.Regex.Match(string.Join('\n', lines.Where(l => l.Contains($"Start MID {mid} ", StringComparison.Ordinal))), @"ICID (\d+)").Groups[1].Value;
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, stamp + $@"New SMTP ICID {icid} interface Data1 \(\S+\) address 127\.0\.0\.1 reverse dns host \S+ verified (yes|no)$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, stamp + $"ICID {icid} TLS success protocol TLSv1.3 cipher TLS_"));
        Assert.Contains(lines, l => l.EndsWith($"MID {mid} ICID {icid} From: <sender@sender.test>", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($"MID {mid} ICID {icid} RID 0 To: <format@example.test>", StringComparison.Ordinal));
        await smtp.WaitForLogAsync($"ICID {icid} close");
    }
}

/// <summary>IN-2 by verified reverse DNS, and IN-3 limits, on a node of its own.</summary>
public sealed class PolicyLimitTests
{
    [Fact]
    public async Task Sender_groups_match_verified_reverse_DNS_and_policies_enforce_their_limits()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(cluster.Root, "dnsmasq.log"), [],
            [("good.partner.test", "127.0.0.21"), ("liar.partner.test", "127.0.0.98")],
            ["--ptr-record=99.0.0.127.in-addr.arpa,liar.partner.test"]);
        var endpoint = new System.Net.IPEndPoint(node.Address, FreePort.On(node.Address));
        (await cluster.Manager.LoadConfigAsync($$$"""
            hostname: mx1.example.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            mail_flow_policies:
              - {name: PARTNER, behavior: accept, tls: preferred, max_message_size_bytes: 2000, max_messages_per_connection: 2, max_concurrent_connections_per_ip: 1}
              - {name: OTHERS, behavior: reject}
            sender_groups: [{name: PARTNERS, policy: PARTNER, members: [.partner.test]}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{endpoint.Port}}}, certificate: demo, host_access_table: [PARTNERS], default_policy: OTHERS, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("partner policy"));
        await Wait.UntilAsync(() => FreePort.Accepts(endpoint), "the listener accepts");

        // 127.0.0.21 has PTR good.partner.test, which resolves back: verified, so PARTNERS.
        await using var partner = await SmtpProbe.ConnectAsync(endpoint, System.Net.IPAddress.Parse("127.0.0.21"));
        Assert.StartsWith("220", await partner.ReplyAsync(), StringComparison.Ordinal);

        // A second connection from the same address is over the limit of one.
        await using (var second = await SmtpProbe.ConnectAsync(endpoint, System.Net.IPAddress.Parse("127.0.0.21")))
        {
            Assert.StartsWith("421 ", await second.ReplyAsync(), StringComparison.Ordinal);
        }

        // 127.0.0.99's PTR names liar.partner.test, which does not resolve back to it: not verified.
        await using (var liar = await SmtpProbe.ConnectAsync(endpoint, System.Net.IPAddress.Parse("127.0.0.99")))
        {
            Assert.StartsWith("554 ", await liar.ReplyAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("250-SIZE 2000", await partner.CommandAsync("EHLO client.partner.test"), StringComparison.Ordinal);
        Assert.StartsWith("552 5.3.4", await partner.CommandAsync("MAIL FROM:<a@partner.test> SIZE=5000"), StringComparison.Ordinal);
        for (var i = 0; i < 2; i++)
        {
            await partner.CommandAsync("MAIL FROM:<a@partner.test>");
            await partner.CommandAsync("RCPT TO:<b@example.test>");
            await partner.CommandAsync("DATA");
            var body = i == 0 ? new string('x', 3000) : "small";
            var reply = await partner.CommandAsync($"Subject: {i}\r\n\r\n{body}\r\n.");
            Assert.StartsWith(i == 0 ? "552 5.3.4" : "250 2.0.0", reply, StringComparison.Ordinal);
        }

        Assert.StartsWith("250", await partner.CommandAsync("MAIL FROM:<a@partner.test>"), StringComparison.Ordinal);
        await partner.CommandAsync("RCPT TO:<b@example.test>");
        await partner.CommandAsync("DATA");
        Assert.StartsWith("250", await partner.CommandAsync("Subject: 3\r\n\r\nthree\r\n."), StringComparison.Ordinal);
        Assert.StartsWith("421 4.7.0", await partner.CommandAsync("MAIL FROM:<a@partner.test>"), StringComparison.Ordinal);

        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains("address 127.0.0.21 reverse dns host good.partner.test verified yes", log, StringComparison.Ordinal);
        Assert.Contains("ACCEPT SG PARTNERS match .partner.test SBRS None", log, StringComparison.Ordinal);
        Assert.Contains("address 127.0.0.99 reverse dns host liar.partner.test verified no", log, StringComparison.Ordinal);
    }
}
