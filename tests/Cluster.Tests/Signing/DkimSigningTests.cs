using System.Net;

namespace Gatehouse.Cluster.Tests.Signing;

/// <summary>
/// DKIM signing on the node that accepts the mail: messages sent with swaks under a signing
/// policy reach Postfix's smtp-sink signed, and dkimpy (the Debian python3-dkim verifier) and
/// OpenDKIM (<c>opendkim-testmsg</c>) verify them with the records <c>signingkeys dns</c>
/// printed, served by dnsmasq: RSA for the
/// profile's domain, Ed25519 for a subdomain through its parent's profile; a body altered after
/// signing fails; a From domain no profile covers goes unsigned, said in the mail log; a key a
/// profile uses cannot be deleted.
/// </summary>
public sealed class DkimSigningTests
{
    [Fact]
    public async Task Mail_under_a_signing_policy_is_signed_as_its_from_domain_says_and_dkimpy_verifies_it()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "dkim")).FullName;
        (await m.CliAsync("signingkeys", "new", "rsa", "--algorithm", "rsa-2048")).Succeeded();
        (await m.CliAsync("signingkeys", "new", "ed", "--algorithm", "ed25519")).Succeeded();
        var rsaRecord = await DkimRecords.StringsAsync(m, "rsa", "example.test", "s2026");
        var edRecord = await DkimRecords.StringsAsync(m, "ed", "ed.example.test", "ed1");
        // On port 53: OpenDKIM asks the resolver /etc/resolv.conf names, which has no port.
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], extra:
            [Dnsmasq.TxtRecord("s2026._domainkey.example.test", rsaRecord), Dnsmasq.TxtRecord("ed1._domainkey.ed.example.test", edRecord)],
            listen: new IPEndPoint(IPAddress.Parse("127.0.9.53"), 53));
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));

        (await m.LoadConfigAsync("""
            dkim_profiles:
              - {name: Example, domain: example.test, selector: s2026, key: rsa}
              - {name: EdSub, domain: ed.example.test, selector: ed1, key: ed, canonicalization: relaxed/simple}
            """, merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: Signing, behavior: relay, dkim_sign: true}]
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners: [{name: Out, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Signing}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("DKIM signing"));
        await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");

        var tag = Guid.NewGuid().ToString("N")[..10];
        foreach (var from in new[] { "alice@example.test", "bob@mail.ed.example.test", "carol@other.test" })
        {
            (await Swaks.SendAsync(listener, "someone@dest.test", "--from", from, "--header", $"From: {from}", "--header", $"Subject: dkim {tag} {from}",
                "--body", "Line one\r\n\r\n\r\n")).Succeeded();
        }

        string Delivered(string from) => sink.Delivered().SingleOrDefault(d => d.Contains($"dkim {tag} {from}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => new[] { "alice@example.test", "bob@mail.ed.example.test", "carol@other.test" }.All(f => Delivered(f).Length > 0), "the sink has the three messages");

        var rsa = Message(Delivered("alice@example.test"));
        Assert.Contains("d=example.test; s=s2026; c=relaxed/relaxed", Unfolded(rsa), StringComparison.Ordinal);
        Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(work, dns.Endpoint, rsa));
        Assert.Equal("pass", await DkimVerifiers.OpenDkimAsync(work, dns.Endpoint, rsa));
        var ed = Message(Delivered("bob@mail.ed.example.test"));
        Assert.Contains("a=ed25519-sha256; d=ed.example.test; s=ed1; c=relaxed/simple", Unfolded(ed), StringComparison.Ordinal);
        Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(work, dns.Endpoint, ed));
        Assert.Equal("pass", await DkimVerifiers.OpenDkimAsync(work, dns.Endpoint, ed));
        Assert.StartsWith("fail", await DkimVerifiers.DkimPyAsync(work, dns.Endpoint, rsa.Replace("Line one", "Line 0ne", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.StartsWith("fail", await DkimVerifiers.OpenDkimAsync(work, dns.Endpoint, rsa.Replace("Line one", "Line 0ne", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("DKIM-Signature", Delivered("carol@other.test"), StringComparison.Ordinal);

        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains("DKIM: signed with profile Example (d=example.test, s=s2026) for example.test", log, StringComparison.Ordinal);
        Assert.Contains("DKIM: signed with profile EdSub (d=ed.example.test, s=ed1) for mail.ed.example.test", log, StringComparison.Ordinal);
        Assert.Contains("DKIM: not signed: no profile covers other.test", log, StringComparison.Ordinal);

        var inUse = await m.CliAsync("signingkeys", "delete", "rsa");
        Assert.NotEqual(0, inUse.ExitCode);
        Assert.Contains("in use by DKIM profile Example", inUse.Output + inUse.Error, StringComparison.Ordinal);
    }

    // The message as smtp-sink received it, without the envelope lines it writes first, in CRLF.
    private static string Message(string dump) =>
        string.Join("\r\n", dump.ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l.StartsWith("X-", StringComparison.Ordinal)));

    private static string Unfolded(string message) => message.Replace("\r\n\t", " ", StringComparison.Ordinal).Replace("\r\n ", " ", StringComparison.Ordinal);
}
