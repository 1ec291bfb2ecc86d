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
    // dkimpy's own verify, its DNS asked of the test's dnsmasq; Debian's python, where apt put dkimpy.
    private const string Verifier = """
        import sys, dkim, dns.resolver
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [sys.argv[1]]
        resolver.port = int(sys.argv[2])
        def txt(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            try:
                answer = resolver.resolve(name, 'TXT', lifetime=timeout)
            except Exception:
                return None
            return b''.join(b''.join(r.strings) for r in answer)
        ok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=txt)
        print('pass' if ok else 'fail')
        sys.exit(0 if ok else 1)
        """;

    [Fact]
    public async Task Mail_under_a_signing_policy_is_signed_as_its_from_domain_says_and_dkimpy_verifies_it()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "dkim")).FullName;
        (await m.CliAsync("signingkeys", "new", "rsa", "--algorithm", "rsa-2048")).Succeeded();
        (await m.CliAsync("signingkeys", "new", "ed", "--algorithm", "ed25519")).Succeeded();
        var rsaRecord = await RecordAsync(m, "rsa", "example.test", "s2026");
        var edRecord = await RecordAsync(m, "ed", "ed.example.test", "ed1");
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
        Assert.Equal("pass", await VerifyAsync(work, dns, rsa));
        Assert.Equal("pass", await OpenDkimVerifyAsync(work, dns, rsa));
        var ed = Message(Delivered("bob@mail.ed.example.test"));
        Assert.Contains("a=ed25519-sha256; d=ed.example.test; s=ed1; c=relaxed/simple", Unfolded(ed), StringComparison.Ordinal);
        Assert.Equal("pass", await VerifyAsync(work, dns, ed));
        Assert.Equal("pass", await OpenDkimVerifyAsync(work, dns, ed));
        Assert.Equal("fail", await VerifyAsync(work, dns, rsa.Replace("Line one", "Line 0ne", StringComparison.Ordinal)));
        Assert.StartsWith("fail", await OpenDkimVerifyAsync(work, dns, rsa.Replace("Line one", "Line 0ne", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("DKIM-Signature", Delivered("carol@other.test"), StringComparison.Ordinal);

        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains("DKIM: signed with profile Example (d=example.test, s=s2026) for example.test", log, StringComparison.Ordinal);
        Assert.Contains("DKIM: signed with profile EdSub (d=ed.example.test, s=ed1) for mail.ed.example.test", log, StringComparison.Ordinal);
        Assert.Contains("DKIM: not signed: no profile covers other.test", log, StringComparison.Ordinal);

        var inUse = await m.CliAsync("signingkeys", "delete", "rsa");
        Assert.NotEqual(0, inUse.ExitCode);
        Assert.Contains("in use by DKIM profile Example", inUse.Output + inUse.Error, StringComparison.Ordinal);
    }

    // opendkim-testmsg prints nothing when the signature verifies; it runs in a mount namespace of
    // its own whose /etc/resolv.conf names the test's dnsmasq.
    private static async Task<string> OpenDkimVerifyAsync(string work, Dnsmasq dns, string message)
    {
        var resolv = Path.Combine(work, "resolv.conf");
        await File.WriteAllTextAsync(resolv, $"nameserver {dns.Endpoint.Address}\n");
        var result = await ManagedProcess.RunProgramAsync("unshare",
            ["--mount", "--propagation", "private", "sh", "-c", $"mount --bind {resolv} /etc/resolv.conf && exec /usr/sbin/opendkim-testmsg"], message);
        var said = (result.Output + result.Error).Trim();
        return result.ExitCode == 0 && said.Length == 0 ? "pass" : $"fail: {said}";
    }

    private static async Task<IReadOnlyList<string>> RecordAsync(ManagerInstance m, string key, string domain, string selector)
    {
        var line = (await m.CliAsync("signingkeys", "dns", key, "--domain", domain, "--selector", selector)).Succeeded().Output;
        return [.. System.Text.RegularExpressions.Regex.Matches(line, "\"([^\"]*)\"").Select(x => x.Groups[1].Value)];
    }

    // The message as smtp-sink received it, without the envelope lines it writes first, in CRLF.
    private static string Message(string dump) =>
        string.Join("\r\n", dump.ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l.StartsWith("X-", StringComparison.Ordinal)));

    private static string Unfolded(string message) => message.Replace("\r\n\t", " ", StringComparison.Ordinal).Replace("\r\n ", " ", StringComparison.Ordinal);

    private static async Task<string> VerifyAsync(string work, Dnsmasq dns, string message)
    {
        var script = Path.Combine(work, "verify.py");
        await File.WriteAllTextAsync(script, Verifier);
        var result = await ManagedProcess.RunProgramAsync("/usr/bin/python3", [script, dns.Endpoint.Address.ToString(), dns.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], message);
        return result.Output.Trim();
    }
}
