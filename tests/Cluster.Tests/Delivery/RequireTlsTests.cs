using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// REQUIRETLS (RFC 8689) with real peers: <c>openssl s_client -starttls smtp</c> asks for it
/// at node1, which carries the message over verified TLS to node2 — a server that offers
/// REQUIRETLS, and where the request holds for the next hop too — and bounces it where the
/// promise cannot be kept: Postfix with a verified certificate but without REQUIRETLS
/// (<c>5.7.30</c>, unless a next host offers it), a destination control that does not verify and Postfix in clear
/// (<c>5.7.10</c>). Nothing of such a message ever reaches a receiver.
/// </summary>
public sealed partial class RequireTlsTests(RequireTlsFixture fixture) : IClassFixture<RequireTlsFixture>
{
    [Fact]
    public async Task The_listener_offers_REQUIRETLS_only_inside_TLS_and_refuses_it_in_clear()
    {
        var clear = await Swaks.SendAsync(fixture.Relay, "user@weak.test", "--quit-after", "EHLO");
        var tls = await Swaks.SendAsync(fixture.Relay, "user@weak.test", "--tls", "--quit-after", "EHLO");
        await using var probe = await SmtpProbe.ConnectAsync(fixture.Relay);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        var refused = await probe.CommandAsync("MAIL FROM:<sender@bounces.test> REQUIRETLS");

        Assert.DoesNotContain("REQUIRETLS", clear.Succeeded().Output, StringComparison.Ordinal);
        Assert.Matches(@"<~  250[- ]REQUIRETLS", tls.Succeeded().Output);
        Assert.StartsWith("530 5.7.10 ", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_REQUIRETLS_message_goes_over_verified_TLS_to_a_server_that_offers_it_and_is_still_marked_there()
    {
        var subject = $"carried {Guid.NewGuid():N}";
        var mid = await SendAsync("user@rt.test", subject);

        await Wait.UntilAsync(() => Regex.IsMatch(fixture.Log(fixture.Node1), $@"Message done DCID [1-9]\d* MID {mid} to RID \[0\]"), "node1 delivers it to node2");
        // node2 took it with REQUIRETLS on MAIL FROM, and keeps the promise: its own next hop does not verify.
        await Wait.UntilAsync(() => NextMid(fixture.Node2, subject) is not null, "node2 received it");
        var onward = NextMid(fixture.Node2, subject)!;
        Assert.Matches($@"MID {onward} ICID \d+ REQUIRETLS requested by the sender", fixture.Log(fixture.Node2));
        await Wait.UntilAsync(() => fixture.Log(fixture.Node2).Contains($"Bounced: DCID 0 MID {onward} to RID 0 - 5.7.10 ", StringComparison.Ordinal), "node2 bounces it instead of sending it on unverified");
        Assert.DoesNotContain(fixture.Verified.Delivered(), m => m.Contains(subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Where_the_promise_cannot_be_kept_the_message_bounces_and_its_bounce_asks_for_REQUIRETLS_too()
    {
        var ordinary = $"ordinary {Guid.NewGuid():N}";
        (await Swaks.SendAsync(fixture.Relay, "user@weak.test", "--tls", "--from", "sender@bounces.test", "--header", $"Subject: {ordinary}")).Succeeded();
        var subjects = new Dictionary<string, string>();
        var mids = new Dictionary<string, string>();
        foreach (var domain in new[] { "pf.test", "weak.test", "clear.test" })
        {
            subjects[domain] = $"refused {domain} {Guid.NewGuid():N}";
            mids[domain] = await SendAsync($"user@{domain}", subjects[domain]);
        }

        string Log() => fixture.Log(fixture.Node1);
        // Verified TLS, but Postfix does not offer REQUIRETLS: refused on the connection, before MAIL.
        await Wait.UntilAsync(() => Regex.IsMatch(Log(), $@"Bounced: DCID \d+ MID {mids["pf.test"]} to RID 0 - 5\.7\.30 "), "pf.test bounces with 5.7.30");
        Assert.Matches(@"DCID [1-9]\d* not used for REQUIRETLS mail: 550 5\.7\.30 REQUIRETLS support required: 127\.0\.4\.1 does not offer REQUIRETLS", Log());
        // No policy that verifies: bounced at once, without a connection.
        foreach (var domain in new[] { "weak.test", "clear.test" })
        {
            await Wait.UntilAsync(() => Log().Contains($"Bounced: DCID 0 MID {mids[domain]} to RID 0 - 5.7.10 ", StringComparison.Ordinal), $"{domain} bounces with 5.7.10");
            Assert.DoesNotContain($"Delivery start DCID", Log().Split('\n').Where(l => l.Contains($"MID {mids[domain]} ", StringComparison.Ordinal)));
        }

        // The bounces carry the original's headers, so they ask for REQUIRETLS as well — and bounces.test cannot give it.
        // The bounce is logged as generated before its own delivery is tried: wait for that too.
        foreach (var mid in mids.Values)
        {
            await Wait.UntilAsync(() => BounceOf(mid) is { } bounce && Log().Contains($"Bounced: DCID 0 MID {bounce} to RID 0 - 5.7.10 ", StringComparison.Ordinal),
                $"the bounce of MID {mid} bounces with 5.7.10");
        }

        await Wait.UntilAsync(() => fixture.Verified.Delivered().Any(m => m.Contains(ordinary, StringComparison.Ordinal)), "the same route carries ordinary mail");
        var received = fixture.Verified.Delivered().Concat(fixture.Clear.Delivered()).ToList();
        Assert.DoesNotContain(received, m => subjects.Values.Any(s => m.Contains(s, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_host_without_REQUIRETLS_is_passed_over_for_the_next_one_that_offers_it()
    {
        var subject = $"next host {Guid.NewGuid():N}";
        var mid = await SendAsync("user@next.test", subject);

        // next.test's first host is Postfix (verified, no REQUIRETLS); its second is node2, which offers it.
        await Wait.UntilAsync(() => Regex.IsMatch(fixture.Log(fixture.Node1), $@"Message done DCID [1-9]\d* MID {mid} to RID \[0\]"), "node1 delivers it to node2, the second host");
        Assert.Matches(@"DCID [1-9]\d* not used for REQUIRETLS mail: 550 5\.7\.30 REQUIRETLS support required: 127\.0\.4\.3 does not offer REQUIRETLS", fixture.Log(fixture.Node1));
        await Wait.UntilAsync(() => NextMid(fixture.Node2, subject) is not null, "node2 received it");
        Assert.DoesNotContain(fixture.NoRequireTls.Delivered(), m => m.Contains(subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_request_is_kept_with_the_queued_message_across_a_restart()
    {
        var node = fixture.Node1;
        (await node.CliAsync("queue", "suspend", "pf.test")).Succeeded();
        var mid = await SendAsync("user@pf.test", $"held {Guid.NewGuid():N}");
        using (var envelope = QueueFiles.Envelope(Path.Combine(node.DataDir, "queue"), mid))
        {
            Assert.True(envelope!.RootElement.GetProperty("require_tls").GetBoolean());
        }

        await node.KillAsync();
        node.Start();
        await node.WaitConnectedAsync();
        await Wait.UntilAsync(() => FreePort.Accepts(fixture.Relay), "node1 listens again");
        // Its control socket comes up a moment after its listeners.
        await Wait.UntilAsync(async () => (await node.CliAsync("queue", "resume", "pf.test")).ExitCode == 0, "the restarted node takes the resume");
        await Wait.UntilAsync(() => Regex.IsMatch(fixture.Log(node), $@"Bounced: DCID \d+ MID {mid} to RID 0 - 5\.7\.30 "), "after the restart it still bounces rather than go to a server without REQUIRETLS");
    }

    /// <summary>Sends over STARTTLS with REQUIRETLS on MAIL FROM; returns the MID.</summary>
    private async Task<string> SendAsync(string to, string subject)
    {
        var sent = await OpenSsl.SendRequireTlsAsync(fixture.Cluster.Root, fixture.Relay, "sender@bounces.test", to, subject);
        var queued = QueuedAs().Match(sent.Output);
        Assert.True(queued.Success, sent.Output + sent.Error);
        return queued.Groups[1].Value;
    }

    private string? BounceOf(string mid) =>
        Regex.Match(fixture.Log(fixture.Node1), $@"MID (\d+) was generated for bounce of MID {mid}\b") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The MID node2 gave the message with <paramref name="subject"/>, from its mail log.</summary>
    private string? NextMid(NodeInstance node, string subject) =>
        Regex.Match(fixture.Log(node), $@"MID (\d+) Subject '{Regex.Escape(subject)}'") is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"250 2\.0\.0 Ok: queued as (\d+)")]
    private static partial Regex QueuedAs();
}

/// <summary>Two nodes, Postfix with a certificate the nodes trust and Postfix in clear, all reached by SMTP routes.</summary>
public sealed class RequireTlsFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> peers = [];

    public TestCluster Cluster { get; private set; } = null!;

    public NodeInstance Node1 => Cluster.Node("node1");

    public NodeInstance Node2 => Cluster.Node("node2");

    public IPEndPoint Relay { get; private set; } = null!;

    public PostfixInstance Verified { get; private set; } = null!;

    public PostfixInstance Clear { get; private set; } = null!;

    /// <summary>Postfix with a verified certificate for next.test, the first of its two hosts.</summary>
    public PostfixInstance NoRequireTls { get; private set; } = null!;

    public string Log(NodeInstance node) => File.Exists(node.MailLog) ? File.ReadAllText(node.MailLog) : "";

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 2);
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "requiretls")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "RequireTls");
        async Task<(string Chain, string Key)> Issue(string name)
        {
            var (certificate, key) = await ca.IssueAsync(name, name);
            var chain = Path.Combine(work, $"{name}-chain.pem");
            await File.WriteAllTextAsync(chain, await File.ReadAllTextAsync(certificate) + await File.ReadAllTextAsync(ca.IntermediateCertificate));
            return (chain, key);
        }

        var postfixCertificate = await Issue("pf.test");
        var node2Certificate = await Issue("rt.test");
        var nextCertificate = await Issue("next.test");
        Verified = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "verified"), new IPEndPoint(IPAddress.Parse("127.0.4.1"), 25), "mx.pf.test", "may",
            postfixCertificate.Chain, postfixCertificate.Key);
        peers.Add(Verified);
        Clear = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "clear"), new IPEndPoint(IPAddress.Parse("127.0.4.2"), 25), "mx.clear.test", "none");
        peers.Add(Clear);
        NoRequireTls = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "next"), new IPEndPoint(IPAddress.Parse("127.0.4.3"), 25), "mx.next.test", "may",
            nextCertificate.Chain, nextCertificate.Key);
        peers.Add(NoRequireTls);

        var m = Cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", ca.RootCertificate)).Succeeded();
        (await m.CliAsync("certconfig", "paste", "rt-inbound", "--cert", node2Certificate.Chain, "--key", node2Certificate.Key)).Succeeded();
        (await m.CliAsync("certconfig", "paste", "next-inbound", "--cert", nextCertificate.Chain, "--key", nextCertificate.Key)).Succeeded();
        Relay = new IPEndPoint(Node1.Address, FreePort.On(Node1.Address));
        var inbound = new IPEndPoint(Node2.Address, FreePort.On(Node2.Address));
        var nextPort = FreePort.On(Node2.Address);
        while (nextPort == inbound.Port)
        {
            nextPort = FreePort.On(Node2.Address);
        }

        var nextInbound = new IPEndPoint(Node2.Address, nextPort);
        (await m.LoadConfigAsync($$$"""
            hostname: relay.node1.test
            ip_interfaces: [{name: Data1, address: {{{Node1.Address}}}, hostname: relay.node1.test}]
            system: {queue: {initial_retry_seconds: 2, max_retry_seconds: 3}}
            mail_flow_policies: [{name: P_RELAY, behavior: relay, tls: preferred}, {name: P_BLOCK, behavior: reject}]
            sender_groups: [{name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}]
            listeners: [{name: Relay, type: private, interface: Data1, port: {{{Relay.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}]
            smtp_routes:
              - {domain: rt.test, hosts: [{host: {{{Node2.Address}}}, port: {{{inbound.Port}}}}]}
              - {domain: pf.test, hosts: [{host: 127.0.4.1, port: 25}]}
              - {domain: weak.test, hosts: [{host: 127.0.4.1, port: 25}]}
              - {domain: clear.test, hosts: [{host: 127.0.4.2, port: 25}]}
              - {domain: bounces.test, hosts: [{host: 127.0.4.2, port: 25}]}
              - {domain: next.test, hosts: [{host: 127.0.4.3, port: 25, priority: 10}, {host: {{{Node2.Address}}}, port: {{{nextInbound.Port}}}, priority: 20}]}
            destination_controls:
              - {domain: rt.test, tls: required_verify}
              - {domain: next.test, tls: required_verify}
              - {domain: pf.test, tls: required_verify}
              - {domain: weak.test, tls: preferred}
              - {domain: clear.test, tls: none}
            """, machine: "node1", merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            hostname: rt.test
            ip_interfaces: [{name: Data1, address: {{{Node2.Address}}}, hostname: rt.test}]
            mail_flow_policies: [{name: P_IN, behavior: accept, tls: preferred}]
            listeners:
              - {name: Inbound, type: public, interface: Data1, port: {{{inbound.Port}}}, certificate: rt-inbound, default_policy: P_IN, recipient_access_table: [{recipient: rt.test, action: accept}]}
              - {name: Inbound2, type: public, interface: Data1, port: {{{nextInbound.Port}}}, certificate: next-inbound, default_policy: P_IN, recipient_access_table: [{recipient: next.test, action: accept}]}
            smtp_routes: [{domain: rt.test, hosts: [{host: 127.0.4.1, port: 25}]}, {domain: next.test, hosts: [{host: 127.0.4.1, port: 25}]}]
            destination_controls: [{domain: rt.test, tls: required}, {domain: next.test, tls: required}]
            """, machine: "node2", merge: true)).Succeeded();
        var version = await m.CommitAsync("requiretls peers");
        await Node1.WaitAppliedAsync(version);
        await Node2.WaitAppliedAsync(version);
        await Wait.UntilAsync(() => FreePort.Accepts(Relay) && FreePort.Accepts(inbound) && FreePort.Accepts(nextInbound), "the listeners accept");
    }

    public async Task DisposeAsync()
    {
        foreach (var peer in Enumerable.Reverse(peers))
        {
            await peer.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }
}
