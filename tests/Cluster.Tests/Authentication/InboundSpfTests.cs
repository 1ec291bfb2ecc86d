using System.Net;

namespace Gatehouse.Cluster.Tests.Authentication;

/// <summary>
/// SPF at MAIL FROM against records dnsmasq serves, for clients swaks connects from chosen
/// loopback addresses: a pass through include, a and mx; a fail refused with 550 5.7.23 under
/// spf_fail: reject and tagged under tag; softfail only said; an empty MAIL FROM checked as the
/// HELO name's postmaster; the DNS server down deferred with 451 4.7.24 under temporary_error:
/// defer. Each result is in the delivered message's Authentication-Results and in the mail log.
/// </summary>
public sealed class InboundSpfTests
{
    private const string AuthservId = "mx.gatehouse.test";
    private const string Client = "127.0.0.7";

    [Fact]
    public async Task Spf_is_checked_at_mail_from_and_its_fail_is_refused_or_tagged_as_the_policy_says()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "spf")).FullName;
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"),
            mx: [("pass.test", "mx.pass.test", 10)],
            a: [("mx.pass.test", "127.0.0.8"), ("relay.pass.test", Client)],
            extra:
            [
                "--local=/test/",
                Dnsmasq.TxtRecord("pass.test", "v=spf1 include:_spf.pass.test -all"),
                Dnsmasq.TxtRecord("_spf.pass.test", "v=spf1 mx a:relay.pass.test -all"),
                Dnsmasq.TxtRecord("deny.test", "v=spf1 ip4:192.0.2.0/24 -all"),
                Dnsmasq.TxtRecord("soft.test", "v=spf1 ip4:192.0.2.0/24 ~all"),
                Dnsmasq.TxtRecord("helo.test", $"v=spf1 ip4:{Client} -all"),
            ]);
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var strict = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var tagging = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync($$$"""
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: {{{AuthservId}}}}]
            mail_flow_policies:
              - {name: Strict, behavior: relay, verify: {spf: true, spf_fail: reject, temporary_error: defer}}
              - {name: Tagging, behavior: relay, verify: {spf: true, spf_fail: tag}}
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners:
              - {name: Strict, type: private, interface: Data1, port: {{{strict.Port}}}, certificate: demo, default_policy: Strict}
              - {name: Tagging, type: private, interface: Data1, port: {{{tagging.Port}}}, certificate: demo, default_policy: Tagging}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("SPF"));
        await Wait.UntilAsync(() => FreePort.Accepts(strict) && FreePort.Accepts(tagging), "the listeners accept");

        var tag = Guid.NewGuid().ToString("N")[..10];
        Task<CommandResult> Send(IPEndPoint listener, string name, string from, string helo = "client.example") =>
            Swaks.SendAsync(listener, "someone@dest.test", "--local-interface", Client, "--from", from, "--helo", helo,
                "--header", $"Subject: spf {tag} {name}");

        (await Send(strict, "pass", "alice@pass.test")).Succeeded();
        (await Send(strict, "softfail", "bob@soft.test")).Succeeded();
        (await Send(strict, "bounce", "<>", helo: "helo.test")).Succeeded();
        (await Send(tagging, "tagged", "carol@deny.test")).Succeeded();
        var refused = await Send(strict, "refused", "dave@deny.test");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("550 5.7.23 SPF validation failed", refused.Output, StringComparison.Ordinal);

        string Delivered(string name) => sink.Delivered().SingleOrDefault(d => d.Contains($"spf {tag} {name}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => new[] { "pass", "softfail", "bounce", "tagged" }.All(n => Delivered(n).Length > 0), "the sink has the four messages");
        Assert.Equal($"{AuthservId}; spf=pass smtp.mailfrom=pass.test", Ours(Delivered("pass")));
        Assert.Equal($"{AuthservId}; spf=softfail smtp.mailfrom=soft.test", Ours(Delivered("softfail")));
        Assert.Equal($"{AuthservId}; spf=pass smtp.helo=helo.test", Ours(Delivered("bounce")));
        Assert.Equal($"{AuthservId}; spf=fail smtp.mailfrom=deny.test", Ours(Delivered("tagged")));
        Assert.Contains("X-Gatehouse-Auth-Verdict: spf=fail", Delivered("tagged"), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Gatehouse-Auth-Verdict", Delivered("softfail"), StringComparison.Ordinal);
        Assert.DoesNotContain($"spf {tag} refused", string.Concat(sink.Delivered()), StringComparison.Ordinal);

        var log = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current"));
        Assert.Contains($"SPF: pass (pass.test: include:_spf.pass.test matched {Client})", log, StringComparison.Ordinal);
        Assert.Contains($"SPF: fail (deny.test: all matched {Client}): rejected", log, StringComparison.Ordinal);

        // No DNS: the sender is asked to try again, not refused, and no mail is taken unchecked.
        await dns.DisposeAsync();
        var deferred = await Send(strict, "deferred", "erin@pass.test");
        Assert.NotEqual(0, deferred.ExitCode);
        Assert.Contains("451 4.7.24 SPF validation error", deferred.Output, StringComparison.Ordinal);
        Assert.Contains("SPF: temperror (DNS failed for pass.test): deferred", await File.ReadAllTextAsync(Path.Combine(node.DataDir, "logs", "mail.current")), StringComparison.Ordinal);
    }

    private static string Ours(string delivered) => AuthenticationResultsOf.Node(delivered, AuthservId);
}
