using System.Net;

namespace Gatehouse.Cluster.Tests.Authentication;

/// <summary>
/// ARC chains sealed by dkimpy's <c>arcsign</c> (as a mailing list or forwarder seals what it
/// checked), their keys served by dnsmasq: one seal and two seals pass; a body changed after
/// sealing fails; an unsealed message is none. The results are in the node's
/// Authentication-Results and the mail log. The node then seals each as its domain's gateway,
/// and dkimpy validates the longer chain: pass, with the node's set last, or fail where the
/// chain had failed.
/// </summary>
public sealed class InboundArcTests
{
    private const string AuthservId = "mx.gatehouse.test";

    [Fact]
    public async Task Chains_sealed_by_dkimpy_are_verified_said_and_sealed_again_by_the_node()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "arc")).FullName;
        var lists = Path.Combine(work, "lists.pem");
        var forwarder = Path.Combine(work, "forwarder.pem");
        var gateway = Path.Combine(work, "gateway.pem");
        foreach (var key in new[] { lists, forwarder, gateway })
        {
            (await ManagedProcess.RunProgramAsync("openssl", ["genrsa", "-traditional", "-out", key, "2048"])).Succeeded();
        }

        (await m.CliAsync("signingkeys", "import", "lists", lists)).Succeeded();
        (await m.CliAsync("signingkeys", "import", "forwarder", forwarder)).Succeeded();
        (await m.CliAsync("signingkeys", "import", "gateway", gateway)).Succeeded();
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], extra:
        [
            "--local=/test/",
            Dnsmasq.TxtRecord("arc1._domainkey.lists.test", await DkimRecords.StringsAsync(m, "lists", "lists.test", "arc1")),
            Dnsmasq.TxtRecord("fw._domainkey.forwarder.test", await DkimRecords.StringsAsync(m, "forwarder", "forwarder.test", "fw")),
            Dnsmasq.TxtRecord("gw._domainkey.gateway.test", await DkimRecords.StringsAsync(m, "gateway", "gateway.test", "gw")),
        ]);
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync("dkim_profiles: [{name: Gateway, domain: gateway.test, selector: gw, key: gateway}]", merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: {{{AuthservId}}}}]
            mail_flow_policies: [{name: Inbound, behavior: relay, verify: {arc: true, arc_seal: Gateway}}]
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners: [{name: In, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Inbound}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("ARC"));
        await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");

        var tag = Guid.NewGuid().ToString("N")[..10];
        string Plain(string name) =>
            $"From: alice@example.test\r\nTo: list@lists.test\r\nSubject: arc {tag} {name}\r\nDate: {DateTimeOffset.UtcNow:r}\r\nMessage-ID: <{name}.{tag}@example.test>\r\n\r\nHello list\r\n";
        // What the sealing hop does: its own Authentication-Results (a later hop's says how it
        // found the chain), then arcsign over it.
        async Task<string> Seal(string message, string selector, string domain, string key) =>
            (await ManagedProcess.RunProgramAsync("arcsign", [selector, domain, key, domain],
                $"Authentication-Results: {domain}; {(message.Contains("ARC-Seal", StringComparison.Ordinal) ? "arc=pass" : "dkim=none")}\r\n" + message)).Succeeded().Output;

        var once = await Seal(Plain("once"), "arc1", "lists.test", lists);
        var sent = new Dictionary<string, string>
        {
            ["once"] = once,
            ["twice"] = await Seal(await Seal(Plain("twice"), "arc1", "lists.test", lists), "fw", "forwarder.test", forwarder),
            ["changed"] = once.Replace($"arc {tag} once", $"arc {tag} changed", StringComparison.Ordinal).Replace("Hello list", "Hello 1ist", StringComparison.Ordinal),
            ["unsealed"] = Plain("unsealed"),
        };
        foreach (var (name, data) in sent)
        {
            var file = Path.Combine(work, $"{name}.eml");
            await File.WriteAllTextAsync(file, data.ReplaceLineEndings("\r\n"));
            (await Swaks.SendAsync(listener, "someone@dest.test", "--data", file)).Succeeded();
        }

        string Delivered(string name) => sink.Delivered().SingleOrDefault(d => d.Contains($"arc {tag} {name}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => sent.Keys.All(n => Delivered(n).Length > 0), "the sink has every message");
        Assert.Equal($"{AuthservId}; arc=pass (i=1)", Ours(Delivered("once")));
        Assert.Equal($"{AuthservId}; arc=pass (i=2)", Ours(Delivered("twice")));
        Assert.StartsWith($"{AuthservId}; arc=fail reason=", Ours(Delivered("changed")), StringComparison.Ordinal);
        Assert.Equal($"{AuthservId}; arc=none", Ours(Delivered("unsealed")));
        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains("ARC: pass (i=2)", log, StringComparison.Ordinal);

        // The node's seal, validated by dkimpy with every key from DNS: one set more, the last the node's.
        foreach (var (name, sets) in new[] { ("unsealed", 1), ("once", 2), ("twice", 3) })
        {
            Assert.StartsWith($"pass {sets} ", await DkimVerifiers.ArcPyAsync(work, dns.Endpoint, Delivered(name)) + " ", StringComparison.Ordinal);
            Assert.Contains($"ARC: sealed as i={sets} with profile Gateway (d=gateway.test, s=gw)", log, StringComparison.Ordinal);
        }

        Assert.Matches(@"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=gateway\.test; s=gw;", Delivered("unsealed"));
        Assert.Matches(@"ARC-Seal: i=3; a=rsa-sha256; cv=pass; d=gateway\.test; s=gw;", Delivered("twice"));
        // A chain that failed here is sealed as failed: no later hop can take it for intact.
        Assert.Matches(@"ARC-Seal: i=2; a=rsa-sha256; cv=fail; d=gateway\.test", Delivered("changed"));
        var failed = await DkimVerifiers.ArcPyAsync(work, dns.Endpoint, Delivered("changed"));
        Assert.True(failed.StartsWith("fail", StringComparison.Ordinal), failed);
    }

    private static string Ours(string delivered) => AuthenticationResultsOf.Node(delivered, AuthservId);
}
