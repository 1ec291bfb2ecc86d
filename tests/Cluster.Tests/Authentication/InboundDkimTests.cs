using System.Net;

namespace Gatehouse.Cluster.Tests.Authentication;

/// <summary>
/// DKIM verification of inbound mail against signers we did not write: messages signed by
/// dkimpy (<c>dkimsign</c>, RSA and Ed25519), by OpenDKIM (<c>opendkim-testmsg</c>, which signs
/// rsa-sha1) and by OpenDKIM as a milter in a sending Postfix (rsa-sha256 and ed25519-sha256),
/// sent with swaks to a listener whose policy verifies, reach Postfix's smtp-sink with
/// one Authentication-Results header of the node's authserv-id: pass; policy for rsa-sha1; fail for a body altered after
/// signing and for a key of another domain; permerror for a key never published; none for an
/// unsigned message; temperror once the DNS server is down. A header claiming the node's
/// authserv-id that came with the message is removed, another's kept.
/// </summary>
public sealed class InboundDkimTests
{
    private const string AuthservId = "mx.gatehouse.test";

    [Fact]
    public async Task Signatures_made_by_dkimpy_and_opendkim_are_checked_and_said_in_one_authentication_results_header()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "dkim-in")).FullName;
        var rsaKey = Path.Combine(work, "rsa.pem");
        var edPem = Path.Combine(work, "ed.pem");
        var edSeed = Path.Combine(work, "ed.seed");
        (await Run("openssl", "genrsa", "-traditional", "-out", rsaKey, "2048")).Succeeded();
        (await Run("openssl", "genpkey", "-algorithm", "ed25519", "-out", edPem)).Succeeded();
        // dkimpy's Ed25519 key file: the 32-byte seed in base64 (the last 32 bytes of the DER form).
        (await Run("sh", "-c", $"openssl pkey -in {edPem} -outform DER | tail -c 32 | base64 > {edSeed}")).Succeeded();
        (await m.CliAsync("signingkeys", "import", "rsa", rsaKey)).Succeeded();
        (await m.CliAsync("signingkeys", "import", "ed", edPem)).Succeeded();
        (await m.CliAsync("signingkeys", "new", "stranger", "--algorithm", "rsa-2048")).Succeeded();

        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], extra:
        [
            "--local=/test/",
            Dnsmasq.TxtRecord("s1._domainkey.example.test", await DkimRecords.StringsAsync(m, "rsa", "example.test", "s1")),
            Dnsmasq.TxtRecord("ed._domainkey.ed.test", await DkimRecords.StringsAsync(m, "ed", "ed.test", "ed")),
            // wrong.test publishes a key of its own, not the one its mail is signed with.
            Dnsmasq.TxtRecord("s1._domainkey.wrong.test", await DkimRecords.StringsAsync(m, "stranger", "wrong.test", "s1")),
        ]);
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync($$$"""
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: {{{AuthservId}}}}]
            mail_flow_policies: [{name: Checking, behavior: relay, verify: {dkim: true}}]
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners: [{name: In, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Checking}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("DKIM verification"));
        await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");

        var tag = Guid.NewGuid().ToString("N")[..10];
        string Plain(string name, string from, string extraHeaders = "") =>
            $"From: {from}\r\nTo: someone@dest.test\r\nSubject: verify {tag} {name}\r\nDate: {DateTimeOffset.UtcNow:r}\r\nMessage-ID: <{name}.{tag}@sender.test>\r\n{extraHeaders}\r\nLine one\r\n\r\n";
        async Task<string> DkimPy(string name, string from, string selector, string domain, string key, params string[] options) =>
            (await RunWithInput(Plain(name, from), "dkimsign", [.. options, selector, domain, key])).Succeeded().Output;

        var sent = new Dictionary<string, string>
        {
            ["dkimpy-rsa"] = await DkimPy("dkimpy-rsa", "alice@example.test", "s1", "example.test", rsaKey),
            ["opendkim-rsa"] = (await RunWithInput(Plain("opendkim-rsa", "bob@example.test"), "opendkim-testmsg", ["-C", "-d", "example.test", "-s", "s1", "-k", rsaKey])).Succeeded().Output,
            ["dkimpy-ed25519"] = await DkimPy("dkimpy-ed25519", "carol@ed.test", "ed", "ed.test", edSeed, "--signalg", "ed25519-sha256"),
            ["altered"] = (await DkimPy("altered", "dave@example.test", "s1", "example.test", rsaKey)).Replace("Line one", "Line 0ne", StringComparison.Ordinal),
            ["wrong-key"] = await DkimPy("wrong-key", "eve@wrong.test", "s1", "wrong.test", rsaKey),
            ["unpublished"] = await DkimPy("unpublished", "frank@example.test", "gone", "example.test", rsaKey),
            ["unsigned"] = Plain("unsigned", "grace@example.test",
                $"Authentication-Results: {AuthservId.ToUpperInvariant()}; dkim=pass header.d=bank.test\r\nAuthentication-Results: elsewhere.test; spf=pass smtp.mailfrom=x.test\r\n"),
        };
        foreach (var (name, data) in sent)
        {
            await SendAsync(work, listener, name, data);
        }

        // OpenDKIM as Postfix runs it, one milter per key: each signs the mail of its own domain.
        await using var rsaMilter = await Milter.OpenDkimSigningAsync(Path.Combine(work, "milter-rsa"), "example.test", "s1", await File.ReadAllTextAsync(rsaKey), "rsa-sha256");
        await using var edMilter = await Milter.OpenDkimSigningAsync(Path.Combine(work, "milter-ed"), "ed.test", "ed", await File.ReadAllTextAsync(edPem), "ed25519-sha256");
        var sender = IPAddress.Parse("127.0.8.20");
        await using var postfix = await PostfixInstance.StartAsync(Path.Combine(work, "postfix"), new IPEndPoint(sender, FreePort.On(sender)), new Dictionary<string, string>
        {
            ["relayhost"] = $"[{listener.Address}]:{listener.Port}",
            ["smtpd_milters"] = $"{rsaMilter.Socket}, {edMilter.Socket}",
            ["milter_default_action"] = "tempfail",
        });
        foreach (var (name, from) in new[] { ("milter-rsa", "ivan@example.test"), ("milter-ed25519", "judy@ed.test") })
        {
            (await Swaks.SendAsync(postfix.Smtpd, "someone@dest.test", "--from", from, "--header", $"From: {from}", "--header", $"Subject: verify {tag} {name}")).Succeeded();
        }

        string Delivered(string name) => sink.Delivered().SingleOrDefault(d => d.Contains($"verify {tag} {name}\n", StringComparison.Ordinal) || d.Contains($"verify {tag} {name}\r", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => sent.Keys.Append("milter-rsa").Append("milter-ed25519").All(n => Delivered(n).Length > 0), "the sink has every message");
        Assert.Contains("a=rsa-sha256", Delivered("milter-rsa"), StringComparison.Ordinal);
        Assert.Matches($"^{AuthservId}; dkim=pass header.d=example.test header.s=s1 header.b=", Ours(Delivered("milter-rsa")));
        Assert.Contains("a=ed25519-sha256", Delivered("milter-ed25519"), StringComparison.Ordinal);
        Assert.Matches($"^{AuthservId}; dkim=pass header.d=ed.test header.s=ed header.b=", Ours(Delivered("milter-ed25519")));

        Assert.Matches($"^{AuthservId}; dkim=pass header.d=example.test header.s=s1 header.b=", Ours(Delivered("dkimpy-rsa")));
        // opendkim-testmsg signs with rsa-sha1, which no verifier may count as valid (RFC 8301).
        Assert.StartsWith($"{AuthservId}; dkim=policy reason=\"rsa-sha1 is not accepted\" header.d=example.test header.s=s1", Ours(Delivered("opendkim-rsa")), StringComparison.Ordinal);
        Assert.Matches($"^{AuthservId}; dkim=pass header.d=ed.test header.s=ed header.b=", Ours(Delivered("dkimpy-ed25519")));
        Assert.StartsWith($"{AuthservId}; dkim=fail reason=\"signature did not verify\" header.d=example.test", Ours(Delivered("altered")), StringComparison.Ordinal);
        Assert.StartsWith($"{AuthservId}; dkim=fail reason=\"signature did not verify\" header.d=wrong.test", Ours(Delivered("wrong-key")), StringComparison.Ordinal);
        Assert.StartsWith($"{AuthservId}; dkim=permerror reason=\"no key published\" header.d=example.test header.s=gone", Ours(Delivered("unpublished")), StringComparison.Ordinal);

        // The header that claimed to be the node's is gone; the other organisation's stays.
        var unsigned = Delivered("unsigned");
        Assert.Equal($"{AuthservId}; dkim=none", Ours(unsigned));
        Assert.DoesNotContain("bank.test", unsigned, StringComparison.Ordinal);
        Assert.Contains("Authentication-Results: elsewhere.test; spf=pass", unsigned, StringComparison.Ordinal);

        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains("DKIM verification: pass (d=example.test s=s1)", log, StringComparison.Ordinal);
        Assert.Contains("DKIM verification: fail (d=wrong.test s=s1 signature did not verify)", log, StringComparison.Ordinal);

        // The DNS server down: the key cannot be had now, which the sender's next try may change.
        await dns.DisposeAsync();
        await SendAsync(work, listener, "dns-down", await DkimPy("dns-down", "heidi@example.test", "later", "example.test", rsaKey));
        await Wait.UntilAsync(() => Delivered("dns-down").Length > 0, "the sink has the message checked without DNS");
        Assert.StartsWith($"{AuthservId}; dkim=temperror reason=\"key lookup failed", Ours(Delivered("dns-down")), StringComparison.Ordinal);
    }

    private static async Task SendAsync(string work, IPEndPoint listener, string name, string data)
    {
        var file = Path.Combine(work, $"{name}.eml");
        await File.WriteAllTextAsync(file, data.ReplaceLineEndings("\r\n"));
        (await Swaks.SendAsync(listener, "someone@dest.test", "--from", "sender@sender.test", "--data", file)).Succeeded();
    }

    private static Task<CommandResult> Run(string program, params string[] arguments) => ManagedProcess.RunProgramAsync(program, arguments, null);

    private static Task<CommandResult> RunWithInput(string input, string program, string[] arguments) => ManagedProcess.RunProgramAsync(program, arguments, input);

    private static string Ours(string delivered) => AuthenticationResultsOf.Node(delivered, AuthservId);
}
