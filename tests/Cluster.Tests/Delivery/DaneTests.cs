using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// DANE (RFC 7672) against real peers: a zone signed by knot, validated by unbound (the node's
/// only DNS server), TLSA records for Postfix receivers — a self-signed certificate named for
/// no MX host that a DANE-EE record pins, a CA the node does not trust that a DANE-TA record
/// names, a record that matches nothing and a receiver without STARTTLS.
/// </summary>
public sealed partial class DaneTests(DaneFixture fixture) : IClassFixture<DaneFixture>
{
    [Fact]
    public async Task Signed_TLSA_records_decide_TLS_over_the_destination_control_and_never_fall_back_to_clear()
    {
        var sent = new Dictionary<string, (long Mid, string Subject)>();
        foreach (var domain in new[] { "good", "ta", "bad", "clear", "plain", "must", "override" })
        {
            var subject = $"dane {domain} {Guid.NewGuid():N}";
            sent[domain] = (await fixture.SendAsync($"user@{domain}.dane.test", subject), subject);
        }

        // DANE-EE: a self-signed certificate for another name, authenticated by its key alone.
        Assert.Contains("(using TLS", await DeliveredAsync(fixture.EndEntity, sent["good"].Subject), StringComparison.Ordinal);
        Assert.Matches(@"DANE for mx-ee\.dane\.test: TLS required, authenticated by TLSA 3 1 1 ", fixture.MailLogText());
        // DANE-TA: a chain from a CA the node's trusted list does not hold.
        Assert.Contains("(using TLS", await DeliveredAsync(fixture.TrustAnchor, sent["ta"].Subject), StringComparison.Ordinal);
        // No TLSA record: the destination control (TLS none) decides.
        Assert.DoesNotContain("(using TLS", await DeliveredAsync(fixture.Clear, sent["plain"].Subject), StringComparison.Ordinal);

        await HeldAsync(sent["bad"].Mid, "certificate not verified: no TLSA record of mx-bad.dane.test");
        // The same host, under a control that overrides published policies: delivered, and marked.
        await DeliveredAsync(fixture.EndEntity, sent["override"].Subject);
        // Logged when the node has the receiver's 250, which may come after the receiver stored it.
        await Wait.UntilAsync(() => System.Text.RegularExpressions.Regex.IsMatch(fixture.MailLogText(),
            $@"MID {sent["override"].Mid} DCID \d+ delivered under destination control override\.dane\.test, which overrides the DANE policy override\.dane\.test publishes"),
            "the node logs the delivery under the override");
        await HeldAsync(sent["clear"].Mid, "STARTTLS command not supported");
        await HeldAsync(sent["must"].Mid, "mx-plain.dane.test: DANE is mandatory and it has no usable signed TLSA record");
        Assert.DoesNotContain(fixture.Clear.Delivered(), m => m.Contains(sent["clear"].Subject, StringComparison.Ordinal) || m.Contains(sent["must"].Subject, StringComparison.Ordinal));

        // What TLS reporting will say of the day: per policy domain, sessions that worked and how the others failed.
        var node = fixture.Cluster.Nodes[0];
        await TlsReport.WaitForAsync(node, "good.dane.test", "tlsa", p => p.Successful >= 1);
        await TlsReport.WaitForAsync(node, "bad.dane.test", "tlsa", p => p.Failures.Any(f => f is { ResultType: "tlsa-invalid", Host: "mx-bad.dane.test", ReceivingIp: "127.0.6.11" }));
        await TlsReport.WaitForAsync(node, "must.dane.test", "no-policy-found", p => p.Failures.Any(f => f is { ResultType: "dane-required", Host: "mx-plain.dane.test" }));
    }

    [Fact]
    public async Task Tlsverify_explain_shows_each_policy_source_and_which_one_decides()
    {
        var pinned = (await fixture.Cluster.Manager.CliAsync("tlsverify", "good.dane.test", "--explain")).Succeeded().Output;
        var unsigned = (await fixture.Cluster.Manager.CliAsync("tlsverify", "plain.dane.test", "--explain")).Succeeded().Output;

        Assert.Matches(@"DANE: mx-ee\.dane\.test: signed TLSA 3 1 1 [0-9a-f]{16}… \(1 usable\)", pinned);
        Assert.Contains("MTA-STS: off in destination control default", pinned, StringComparison.Ordinal);
        Assert.Contains("destination control default: TLS None", pinned, StringComparison.Ordinal);
        Assert.Contains("Decided by: DANE\n", pinned.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Next delivery requires: TLS, the server authenticated by its TLSA records; never clear text", pinned, StringComparison.Ordinal);
        Assert.Contains("DANE: mx-plain.dane.test: no signed TLSA records", unsigned, StringComparison.Ordinal);
        Assert.Contains("Decided by: destination control default", unsigned, StringComparison.Ordinal);
        Assert.Contains("Next delivery requires: clear text", unsigned, StringComparison.Ordinal);
    }

    [Fact]
    public async Task REQUIRETLS_counts_DANE_as_verified_TLS()
    {
        var subject = $"requiretls over dane {Guid.NewGuid():N}";
        var sent = await OpenSsl.SendRequireTlsAsync(fixture.Cluster.Root, fixture.Relay, "sender@plain.dane.test", "user@good.dane.test", subject);
        var mid = QueuedAs().Match(sent.Output).Groups[1].Value;

        // Authenticated by DANE although the control says none: what stops it is Postfix not offering REQUIRETLS.
        await Wait.UntilAsync(() => Regex.IsMatch(fixture.MailLogText(), $@"Bounced: DCID \d+ MID {mid} to RID 0 - 5\.7\.30 "), "a 5.7.30 bounce");
    }

    [Fact]
    public async Task An_override_does_not_weaken_DANE_for_a_message_that_asks_for_REQUIRETLS()
    {
        var subject = $"requiretls past an override {Guid.NewGuid():N}";
        var sent = await OpenSsl.SendRequireTlsAsync(fixture.Cluster.Root, fixture.Relay, "sender@plain.dane.test", "user@override.dane.test", subject);
        var mid = QueuedAs().Match(sent.Output).Groups[1].Value;

        // The control's override would deliver ordinary mail over unverified TLS; REQUIRETLS comes first, so DANE holds it (the TLSA records do not match).
        await Wait.UntilAsync(() => Regex.IsMatch(fixture.MailLogText(), $@"Delayed: DCID \d+ MID {mid} "), "held under DANE");
        Assert.DoesNotMatch($@"Bounced: DCID \d+ MID {mid} ", fixture.MailLogText());
        Assert.DoesNotMatch($@"MID {mid} DCID \d+ delivered under", fixture.MailLogText());
        Assert.DoesNotContain(fixture.EndEntity.Delivered(), m => m.Contains(subject, StringComparison.Ordinal));
    }

    private static async Task<string> DeliveredAsync(PostfixInstance receiver, string subject)
    {
        await Wait.UntilAsync(() => receiver.Delivered().Any(m => m.Contains(subject, StringComparison.Ordinal)), $"'{subject}' is delivered");
        return receiver.Delivered().First(m => m.Contains(subject, StringComparison.Ordinal)).Replace("\n ", " ", StringComparison.Ordinal).Replace("\n\t", " ", StringComparison.Ordinal);
    }

    private Task HeldAsync(long mid, string reason) =>
        Wait.UntilAsync(
            () => fixture.MailLogText().Split('\n').Any(l => l.Contains($"Delayed: DCID 0 MID {mid} ", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal)),
            $"MID {mid} is held: {reason}");

    [GeneratedRegex(@"250 2\.0\.0 Ok: queued as (\d+)")]
    private static partial Regex QueuedAs();
}

/// <summary>One node whose only DNS server is unbound validating the knot-signed zone dane.test, and three Postfix receivers.</summary>
public sealed partial class DaneFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> peers = [];

    public TestCluster Cluster { get; private set; } = null!;

    public IPEndPoint Relay { get; private set; } = null!;

    public PostfixInstance EndEntity { get; private set; } = null!;

    public PostfixInstance TrustAnchor { get; private set; } = null!;

    public PostfixInstance Clear { get; private set; } = null!;

    public string MailLogText() => File.Exists(Cluster.Nodes[0].MailLog) ? File.ReadAllText(Cluster.Nodes[0].MailLog) : "";

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 1);
        var node = Cluster.Nodes[0];
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "dane")).FullName;

        var selfSigned = (Chain: Path.Combine(work, "ee.crt"), Key: Path.Combine(work, "ee.key"));
        await OpenSsl.OkAsync(work, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", selfSigned.Key, "-out", selfSigned.Chain,
            "-days", "30", "-subj", "/CN=unrelated.example", "-addext", "subjectAltName=DNS:unrelated.example");
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Dane");
        var (taCertificate, taKey) = await ca.IssueAsync("mx-ta.dane.test", "mx-ta");
        var taChain = Path.Combine(work, "mx-ta-chain.pem");
        await File.WriteAllTextAsync(taChain, await File.ReadAllTextAsync(taCertificate) + await File.ReadAllTextAsync(ca.IntermediateCertificate));

        EndEntity = await Receiver("ee", "127.0.6.11", "may", selfSigned);
        TrustAnchor = await Receiver("ta", "127.0.6.13", "may", (taChain, taKey));
        Clear = await Receiver("clear", "127.0.6.14", "none", null);

        using var ee = X509CertificateLoader.LoadCertificateFromFile(selfSigned.Chain);
        using var intermediate = X509CertificateLoader.LoadCertificateFromFile(ca.IntermediateCertificate);
        var eeKey = Convert.ToHexStringLower(SHA256.HashData(ee.PublicKey.ExportSubjectPublicKeyInfo()));
        var zone = await SignedZone.StartAsync(Path.Combine(work, "zone"), "dane.test", IPAddress.Parse("127.0.6.1"), IPAddress.Parse("127.0.6.2"),
        [
            "good MX 10 mx-ee", "mx-ee A 127.0.6.11", $"_25._tcp.mx-ee TLSA 3 1 1 {eeKey}",
            "bad MX 10 mx-bad", "mx-bad A 127.0.6.11", $"_25._tcp.mx-bad TLSA 3 1 1 {Convert.ToHexStringLower(SHA256.HashData("another key"u8))}",
            "ta MX 10 mx-ta", "mx-ta A 127.0.6.13", $"_25._tcp.mx-ta TLSA 2 0 1 {Convert.ToHexStringLower(SHA256.HashData(intermediate.RawData))}",
            "clear MX 10 mx-clear", "mx-clear A 127.0.6.14", $"_25._tcp.mx-clear TLSA 3 1 1 {eeKey}",
            "plain MX 10 mx-plain", "mx-plain A 127.0.6.14",
            "must MX 10 mx-plain",
            "override MX 10 mx-bad",
        ]);
        peers.Add(zone);

        Relay = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await Cluster.Manager.LoadConfigAsync($$$"""
            hostname: relay.node1.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: relay.node1.test}]
            system:
              dns_servers: ["{{{zone.Resolver}}}"]
              queue: {initial_retry_seconds: 2, max_retry_seconds: 3}
            mail_flow_policies: [{name: P_RELAY, behavior: relay, tls: preferred}, {name: P_BLOCK, behavior: reject}]
            sender_groups: [{name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}]
            listeners: [{name: Relay, type: private, interface: Data1, port: {{{Relay.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}]
            destination_controls:
              - {domain: default, tls: none, dane: opportunistic}
              - {domain: must.dane.test, tls: none, dane: mandatory}
              - {domain: override.dane.test, tls: preferred, dane: opportunistic, override_published_policy: true}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await Cluster.Manager.CommitAsync("dane receivers"));
        await Wait.UntilAsync(() => FreePort.Accepts(Relay), "the relay listener accepts");

        async Task<PostfixInstance> Receiver(string name, string address, string level, (string Chain, string Key)? tls)
        {
            var instance = await PostfixInstance.StartReceiverAsync(Path.Combine(work, name), new IPEndPoint(IPAddress.Parse(address), 25), $"mx-{name}.dane.test", level, tls?.Chain, tls?.Key);
            peers.Add(instance);
            return instance;
        }
    }

    /// <summary>Sends one message through the relay listener; returns its MID.</summary>
    public async Task<long> SendAsync(string to, string subject)
    {
        var result = await Swaks.SendAsync(Relay, to, "--from", "sender@plain.dane.test", "--header", $"Subject: {subject}");
        return long.Parse(QueuedAs().Match(result.Succeeded().Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        foreach (var peer in Enumerable.Reverse(peers))
        {
            await peer.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    [GeneratedRegex(@"queued as (\d+)")]
    private static partial Regex QueuedAs();
}
