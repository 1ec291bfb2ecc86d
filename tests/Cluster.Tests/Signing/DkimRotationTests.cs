using System.Net;

namespace Gatehouse.Cluster.Tests.Signing;

/// <summary>
/// A DKIM profile's rotation: <c>dkim rotate</c> stages the new selector and key; while dnsmasq
/// (the cluster's resolver) does not publish the new record, <c>commit --require-published</c>
/// is refused and changes nothing, and a plain commit goes through with a warning that prints
/// the record to publish; once published, the strict commit goes through and the node signs
/// with the new selector, which dkimpy verifies. A rotation to the selector in use, to a key
/// or profile that does not exist, is refused.
/// </summary>
public sealed class DkimRotationTests
{
    [Fact]
    public async Task A_rotation_is_committed_once_its_record_is_published_or_with_a_warning()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "rotation")).FullName;
        (await m.CliAsync("signingkeys", "new", "k2026", "--algorithm", "rsa-2048")).Succeeded();
        (await m.CliAsync("signingkeys", "new", "k2027", "--algorithm", "ed25519")).Succeeded();
        (await m.CliAsync("signingkeys", "new", "k2028", "--algorithm", "rsa-2048")).Succeeded();
        var old = Dnsmasq.TxtRecord("s2026._domainkey.example.test", await DkimRecords.StringsAsync(m, "k2026", "example.test", "s2026"));
        var rotated = Dnsmasq.TxtRecord("s2027._domainkey.example.test", await DkimRecords.StringsAsync(m, "k2027", "example.test", "s2027"));
        var dnsAddress = new IPEndPoint(IPAddress.Parse("127.0.9.54"), 5353);
        var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq-1.log"), [], extra: ["--local=/test/", old], listen: dnsAddress);
        try
        {
            await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
            var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));
            (await m.LoadConfigAsync($$$"""
                system: {dns_servers: ["{{{dnsAddress}}}"]}
                dkim_profiles: [{name: Example, domain: example.test, selector: s2026, key: k2026}]
                """, merge: true)).Succeeded();
            (await m.LoadConfigAsync($$$"""
                ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
                mail_flow_policies: [{name: Signing, behavior: relay, dkim_sign: true}]
                smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
                destination_controls: [{domain: dest.test, tls: none}]
                listeners: [{name: Out, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Signing}]
                """, machine: "node1", merge: true)).Succeeded();
            var first = await m.CliAsync("commit", "--comment", "signing with s2026", "--require-published");
            first.Succeeded();
            Assert.DoesNotContain("dkim_profiles", first.Error, StringComparison.Ordinal);

            Assert.Contains("there is no DKIM profile named Nope", (await m.CliAsync("dkim", "rotate", "Nope", "--selector", "s2027", "--key", "k2027")).Error, StringComparison.Ordinal);
            Assert.Contains("there is no signing key named k9", (await m.CliAsync("dkim", "rotate", "Example", "--selector", "s2027", "--key", "k9")).Error, StringComparison.Ordinal);
            Assert.Contains("signs with selector s2026 already", (await m.CliAsync("dkim", "rotate", "Example", "--selector", "s2026", "--key", "k2027")).Error, StringComparison.Ordinal);
            (await m.CliAsync("dkim", "rotate", "Example", "--selector", "s2027", "--key", "k2027")).Succeeded();

            var refused = await m.CliAsync("commit", "--comment", "rotate to s2027", "--require-published");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("dkim_profiles[Example]: s2027._domainkey.example.test has no TXT record yet", refused.Output + refused.Error, StringComparison.Ordinal);
            Assert.Contains("s2027._domainkey.example.test. IN TXT \"v=DKIM1; k=ed25519; p=", refused.Output + refused.Error, StringComparison.Ordinal);
            Assert.Contains("rotate DKIM profile Example to selector s2027 with key k2027", (await m.CliAsync("showchanges")).Output, StringComparison.Ordinal);

            // Published: the strict commit goes through, and the node signs with the new selector.
            await dns.DisposeAsync();
            dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq-2.log"), [], extra: ["--local=/test/", old, rotated], listen: dnsAddress);
            var published = await m.CliAsync("commit", "--comment", "rotate to s2027", "--require-published");
            published.Succeeded();
            await node.WaitAppliedAsync(long.Parse(published.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture));
            await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");
            (await Swaks.SendAsync(listener, "someone@dest.test", "--from", "alice@example.test", "--header", "From: alice@example.test", "--header", "Subject: rotated")).Succeeded();
            await Wait.UntilAsync(() => sink.Delivered().Any(d => d.Contains("Subject: rotated", StringComparison.Ordinal)), "the sink has the message");
            var message = string.Join("\r\n", sink.Delivered().Single(d => d.Contains("Subject: rotated", StringComparison.Ordinal))
                .ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l.StartsWith("X-", StringComparison.Ordinal)));
            Assert.Contains("s=s2027", message, StringComparison.Ordinal);
            Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(work, dnsAddress, message));

            // A rotation whose record is not there yet may still be committed, with the warning.
            (await m.CliAsync("dkim", "rotate", "Example", "--selector", "s2028", "--key", "k2028")).Succeeded();
            var warned = await m.CliAsync("commit", "--comment", "rotate to s2028 before publishing");
            warned.Succeeded();
            Assert.Contains("warning: dkim_profiles[Example]: s2028._domainkey.example.test has no TXT record yet", warned.Error, StringComparison.Ordinal);
        }
        finally
        {
            // Started again on the way: whichever is running now is stopped.
            await dns.DisposeAsync();
        }
    }
}
