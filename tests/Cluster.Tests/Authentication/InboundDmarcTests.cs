using System.Net;

namespace Gatehouse.Cluster.Tests.Authentication;

/// <summary>
/// DMARC against records dnsmasq serves: example.test publishes p=reject, quiet.test p=none.
/// Mail whose From is example.test passes when SPF passes for the same organizational domain,
/// or when dkimpy signed it as example.test though SPF says nothing; it is refused with
/// 550 5.7.1 at the end of DATA when neither is aligned, even with SPF passing for another
/// domain; quiet.test's failing mail is delivered with the result said. Message tracking shows
/// each check's line with its message.
/// </summary>
public sealed class InboundDmarcTests
{
    private const string AuthservId = "mx.gatehouse.test";
    private const string Client = "127.0.0.7";

    [Fact]
    public async Task Mail_failing_dmarc_under_p_reject_is_refused_and_aligned_spf_or_dkim_passes()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "dmarc")).FullName;
        var key = Path.Combine(work, "rsa.pem");
        (await ManagedProcess.RunProgramAsync("openssl", ["genrsa", "-traditional", "-out", key, "2048"])).Succeeded();
        (await m.CliAsync("signingkeys", "import", "example", key)).Succeeded();
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], extra:
        [
            "--local=/test/",
            Dnsmasq.TxtRecord("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"),
            Dnsmasq.TxtRecord("mail.example.test", $"v=spf1 ip4:{Client} -all"),
            Dnsmasq.TxtRecord("s1._domainkey.example.test", await DkimRecords.StringsAsync(m, "example", "example.test", "s1")),
            Dnsmasq.TxtRecord("spfok.test", $"v=spf1 ip4:{Client} -all"),
            Dnsmasq.TxtRecord("_dmarc.quiet.test", "v=DMARC1; p=none"),
        ]);
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync($$$"""
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: {{{AuthservId}}}}]
            mail_flow_policies: [{name: Inbound, behavior: relay, verify: {spf: true, dkim: true, dmarc: true, dmarc_fail: reject}}]
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners: [{name: In, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Inbound}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("DMARC"));
        await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");

        var tag = Guid.NewGuid().ToString("N")[..10];
        async Task<CommandResult> Send(string name, string mailFrom, string from, bool sign = false)
        {
            var data = $"From: {from}\r\nTo: someone@dest.test\r\nSubject: dmarc {tag} {name}\r\nDate: {DateTimeOffset.UtcNow:r}\r\n\r\nHello\r\n";
            if (sign)
            {
                data = (await ManagedProcess.RunProgramAsync("dkimsign", ["s1", "example.test", key], data)).Succeeded().Output;
            }

            var file = Path.Combine(work, $"{name}.eml");
            await File.WriteAllTextAsync(file, data.ReplaceLineEndings("\r\n"));
            return await Swaks.SendAsync(listener, "someone@dest.test", "--local-interface", Client, "--from", mailFrom, "--data", file);
        }

        (await Send("spf-aligned", "bounce@mail.example.test", "alice@example.test")).Succeeded();
        (await Send("dkim-aligned", "list@elsewhere.test", "bob@example.test", sign: true)).Succeeded();
        (await Send("quiet", "x@elsewhere.test", "carol@quiet.test")).Succeeded();
        var unaligned = await Send("unaligned", "x@elsewhere.test", "ceo@example.test");
        var otherDomain = await Send("spf-other-domain", "x@spfok.test", "ceo@example.test");
        foreach (var refused in new[] { unaligned, otherDomain })
        {
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("550 5.7.1 Email rejected per DMARC policy for example.test", refused.Output, StringComparison.Ordinal);
        }

        string Delivered(string name) => sink.Delivered().SingleOrDefault(d => d.Contains($"dmarc {tag} {name}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => new[] { "spf-aligned", "dkim-aligned", "quiet" }.All(n => Delivered(n).Length > 0), "the sink has the three messages");
        Assert.Contains("dmarc=pass (p=reject dis=none) reason=\"SPF aligned\" header.from=example.test", Ours(Delivered("spf-aligned")), StringComparison.Ordinal);
        Assert.Contains("spf=none smtp.mailfrom=elsewhere.test", Ours(Delivered("dkim-aligned")), StringComparison.Ordinal);
        Assert.Contains("dkim=pass header.d=example.test", Ours(Delivered("dkim-aligned")), StringComparison.Ordinal);
        Assert.Contains("dmarc=pass (p=reject dis=none) reason=\"DKIM aligned\" header.from=example.test", Ours(Delivered("dkim-aligned")), StringComparison.Ordinal);
        Assert.Contains("dmarc=fail (p=none dis=none)", Ours(Delivered("quiet")), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Gatehouse-Auth-Verdict", Delivered("quiet"), StringComparison.Ordinal);
        Assert.DoesNotContain(sink.Delivered(), d => d.Contains($"dmarc {tag} unaligned", StringComparison.Ordinal) || d.Contains($"dmarc {tag} spf-other-domain", StringComparison.Ordinal));

        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains("DMARC: fail (header.from=example.test p=reject dis=reject neither SPF nor DKIM aligned with the From domain)", log, StringComparison.Ordinal);
        Assert.Contains("DMARC: rejected per the policy of example.test", log, StringComparison.Ordinal);

        // Message tracking shows each check with the message, the refused one too.
        foreach (var (name, lines) in new[]
        {
            ("spf-aligned", new[] { "SPF: pass (mail.example.test", "DKIM verification: none (no signature)", "DMARC: pass (header.from=example.test p=reject dis=none SPF aligned)" }),
            ("unaligned", new[] { "DMARC: fail (header.from=example.test", "DMARC: rejected per the policy of example.test" }),
        })
        {
            var tracked = (await m.CliAsync("track", "--subject", $"dmarc {tag} {name}", "--json")).Succeeded().Output;
            Assert.All(lines, line => Assert.Contains(line, tracked, StringComparison.Ordinal));
        }
    }

    private static string Ours(string delivered) => AuthenticationResultsOf.Node(delivered, AuthservId);
}
