using System.Net;

namespace Gatehouse.Cluster.Tests.UrlFiltering;

/// <summary>
/// SVC-3 against nginx as the verdict service (mutual TLS, static verdicts by URL hash), swaks
/// as the sender and smtp-sink as the next hop: verdicts refuse or mark messages, a node
/// without the client certificate is refused by the service, and a service that is down
/// leaves the configured fallback.
/// </summary>
public sealed class UrlFilteringTests
{
    private const string Evil = "http://evil.example.test/login";
    private const string Odd = "https://odd.example.test/offer?id=7";

    [Fact]
    public async Task Verdicts_from_the_service_refuse_or_mark_messages_and_an_outage_falls_back()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "urls")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Verdicts");
        var server = await ca.IssueAsync("localhost", "service");
        var client = await ca.IssueAsync("node1.gateway.test", "url-client", ["extendedKeyUsage=clientAuth"]);
        var cas = await ca.TrustBundleAsync();
        var serverChain = await ca.ChainAsync(server.Certificate);
        await using var nginx = await Nginx.StartAsync(Path.Combine(work, "nginx"), serverChain, server.Key, cas);
        await nginx.AddVerdictAsync(Evil, "malicious", "phishing");
        await nginx.AddVerdictAsync(Odd, "suspicious", "new-domain");
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var m = cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", cas)).Succeeded();
        (await m.CliAsync("certconfig", "paste", "url-client", "--cert", await ca.ChainAsync(client.Certificate), "--key", client.Key)).Succeeded();
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: default, tls: none}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            web_security: {enabled: true, service_url: '{{{nginx.ServiceUrl}}}', timeout_seconds: 5}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("URL filtering without a client certificate"));

        // No client certificate: nginx answers 400, the service counts as unavailable, the fallback marks.
        var unauthenticated = await SendAsync(work, smtp, "no-cert", $"Text/plain\n\nSee {Evil} today.");
        Assert.Contains("250 2.0.0 Ok: queued as", unauthenticated.Output, StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-URL-Verdict: unavailable", await DeliveredAsync(sink, "no-cert"), StringComparison.Ordinal);
        await node.WaitForMailLogAsync($"URL filtering unavailable (localhost:{nginx.Endpoint.Port} answered 400): delivered with header");

        // A settings group is replaced whole: every field of it is written again.
        (await m.LoadConfigAsync($"web_security: {{enabled: true, service_url: '{nginx.ServiceUrl}', client_certificate: url-client, malicious_action: reject}}",
            machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("URL filtering with the client certificate"));

        var evil = await SendAsync(work, smtp, "evil", $"Text/plain\n\nClick {Evil}.");
        Assert.Contains("554 5.7.1 Message refused: it links to a malicious site", evil.Output, StringComparison.Ordinal);
        await node.WaitForMailLogAsync("URL verdict malicious; urls=1; flagged=1; category=phishing: rejected");

        // A suspicious link in quoted-printable HTML (href encoded, entity in the query) is found and marked.
        var odd = await SendAsync(work, smtp, "odd",
            "Text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>Hello <a href=3D\"https://ODD.example.test/offer?id=3D7#top\">offer</a> and https://clean.example.test/</p>");
        Assert.Contains("250 2.0.0 Ok: queued as", odd.Output, StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-URL-Verdict: suspicious; urls=2; flagged=1; category=new-domain", await DeliveredAsync(sink, "odd"), StringComparison.Ordinal);
        Assert.Contains("GET /verdicts/v1/", await File.ReadAllTextAsync(nginx.AccessLog), StringComparison.Ordinal);

        // A malicious link cannot hide in a forwarded message, nor past the URLs judged: the 51st
        // makes the verdict at least suspicious (the default for too many URLs), and says so.
        var forwarded = await SendAsync(work, smtp, "forwarded",
            $"Multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nSee the attached.\n--b\nContent-Type: message/rfc822\n\nSubject: fw\nContent-Type: text/plain\n\nClick {Evil}.\n--b--");
        Assert.Contains("554 5.7.1 Message refused: it links to a malicious site", forwarded.Output, StringComparison.Ordinal);
        var late = await SendAsync(work, smtp, "late",
            "Text/plain\n\n" + string.Join("\n", Enumerable.Range(1, 50).Select(i => $"https://site{i}.example.test/")) + $"\n{Evil}");
        Assert.Contains("250 2.0.0 Ok: queued as", late.Output, StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-URL-Verdict: suspicious; urls=50; flagged=0; truncated", await DeliveredAsync(sink, "late"), StringComparison.Ordinal);

        // The service goes away: a new URL cannot be judged; the fallback marks, then, when told, defers.
        await nginx.StopAsync();
        var marked = await SendAsync(work, smtp, "outage", "Text/plain\n\nSee https://new.example.test/ soon.");
        Assert.Contains("250 2.0.0 Ok: queued as", marked.Output, StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-URL-Verdict: unavailable", await DeliveredAsync(sink, "outage"), StringComparison.Ordinal);
        (await m.LoadConfigAsync(
            $"web_security: {{enabled: true, service_url: '{nginx.ServiceUrl}', client_certificate: url-client, malicious_action: reject, fallback: defer}}",
            machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("defer while the URL service is away"));
        var deferred = await SendAsync(work, smtp, "deferred", "Text/plain\n\nSee https://other.example.test/ soon.");
        Assert.Contains("451 4.7.0 URL filtering unavailable; try again later", deferred.Output, StringComparison.Ordinal);
    }

    // Content-Type line first (without the "Content-Type: " prefix, to keep the calls short).
    private static async Task<CommandResult> SendAsync(string work, IPEndPoint smtp, string subject, string body)
    {
        var lines = body.Split('\n');
        var data = $"From: sender@sender.test\nTo: user@example.test\nSubject: {subject}\nMIME-Version: 1.0\nContent-Type: {lines[0].ToLowerInvariant()}; charset=utf-8\n{string.Join('\n', lines[1..])}\n";
        var file = Path.Combine(work, $"{subject}.eml");
        await File.WriteAllTextAsync(file, data);
        return await Swaks.SendAsync(smtp, "user@example.test", "--data", "@" + file);
    }

    private static async Task<string> DeliveredAsync(SmtpSink sink, string subject)
    {
        string? found = null;
        await Wait.UntilAsync(() =>
        {
            found = Directory.EnumerateFiles(Path.Combine(sink.Directory, "dump")).Select(File.ReadAllText)
                .FirstOrDefault(text => text.Contains($"Subject: {subject}\r\n", StringComparison.Ordinal) || text.Contains($"Subject: {subject}\n", StringComparison.Ordinal));
            return found is not null;
        }, $"smtp-sink received '{subject}'");
        return found!;
    }
}
