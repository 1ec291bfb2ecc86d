using System.Net;
using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Scanning;

/// <summary>
/// Milters as content scanners, spoken to as Postfix speaks to them (milter protocol 6): a
/// pymilter milter on Debian's libmilter that asks for every change the protocol allows (header
/// fields added, inserted, changed and deleted; the body replaced; recipients added and deleted;
/// the sender changed), answers with its own replies, discards, accepts, refuses a recipient or
/// takes too long, and records the macros and header fields it was given; clamav-milter asking a
/// clamd, refusing EICAR or quarantining it as Debian configures it (held in the queue until
/// released); OpenDKIM signing as a milter (dkimpy verifies its signature). The node's own DKIM signature is made after a
/// milter's changes, so it verifies over the changed message.
/// </summary>
public sealed class MilterScanningTests
{
    [Fact]
    public async Task Every_change_a_milter_asks_for_is_made_its_replies_are_the_answers_and_clamav_and_opendkim_work_as_milters()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "milters")).FullName;
        var signing = Path.Combine(work, "signing.pem");
        (await ManagedProcess.RunProgramAsync("openssl", ["genrsa", "-traditional", "-out", signing, "2048"])).Succeeded();
        (await m.CliAsync("signingkeys", "import", "gateway", signing)).Succeeded();
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], extra:
        [
            "--local=/test/",
            Dnsmasq.TxtRecord("gw._domainkey.example.test", await DkimRecords.StringsAsync(m, "gateway", "example.test", "gw")),
            Dnsmasq.TxtRecord("md._domainkey.milter.test", await DkimRecords.StringsAsync(m, "gateway", "milter.test", "md")),
        ]);
        var clamdAddress = IPAddress.Parse("127.0.8.31");
        await using var clamd = await Clamd.StartAsync(Path.Combine(work, "clamd"), new IPEndPoint(clamdAddress, FreePort.On(clamdAddress)));
        await using var every = await Milter.EveryChangeAsync(Path.Combine(work, "every"));
        await using var clamav = await Milter.ClamavAsync(Path.Combine(work, "clamav"), clamd.Endpoint, quarantine: false);
        await using var quarantining = await Milter.ClamavAsync(Path.Combine(work, "quarantine"), clamd.Endpoint, quarantine: true);
        await using var opendkim = await Milter.OpenDkimSigningAsync(Path.Combine(work, "opendkim"), "milter.test", "md", await File.ReadAllTextAsync(signing), "rsa-sha256");
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listeners = new[] { "Every", "Virus", "Held", "Dkim" }.ToDictionary(n => n, _ => new IPEndPoint(node.Address, FreePort.On(node.Address)));
        (await m.LoadConfigAsync("dkim_profiles: [{name: Gateway, domain: example.test, selector: gw, key: gateway}]", merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            system: {dns_servers: ["{{{dns.Endpoint}}}"]}
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx.milter.test}]
            content_scanners:
              - {name: Every, type: milter, address: "{{{every.Address}}}", timeout_seconds: 4, on_failure: tag}
              - {name: Virus, type: milter, address: "{{{clamav.Address}}}", timeout_seconds: 20, on_failure: defer}
              - {name: Held, type: milter, address: "{{{quarantining.Address}}}", timeout_seconds: 20, on_failure: defer}
              - {name: Dkim, type: milter, address: "{{{opendkim.Address}}}", timeout_seconds: 10, on_failure: defer}
            mail_flow_policies:
              - {name: Every, behavior: relay, scanners: [Every], dkim_sign: true}
              - {name: Virus, behavior: relay, scanners: [Virus]}
              - {name: Held, behavior: relay, scanners: [Held]}
              - {name: Dkim, behavior: relay, scanners: [Dkim]}
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners:
              - {name: Every, type: private, interface: Data1, port: {{{listeners["Every"].Port}}}, certificate: demo, default_policy: Every}
              - {name: Virus, type: private, interface: Data1, port: {{{listeners["Virus"].Port}}}, certificate: demo, default_policy: Virus}
              - {name: Held, type: private, interface: Data1, port: {{{listeners["Held"].Port}}}, certificate: demo, default_policy: Held}
              - {name: Dkim, type: private, interface: Data1, port: {{{listeners["Dkim"].Port}}}, certificate: demo, default_policy: Dkim}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("milters"));
        await Wait.UntilAsync(() => listeners.Values.All(FreePort.Accepts), "the listeners accept");

        var tag = Guid.NewGuid().ToString("N")[..10];
        Task<CommandResult> Send(string listener, string name, string to = "someone@dest.test", string from = "alice@example.test", params string[] extra) =>
            Swaks.SendAsync(listeners[listener], to, ["--from", from, "--header", $"From: {from}", "--header", $"Subject: scan {tag} {name}", .. extra]);
        string Delivered(string text) => sink.Delivered().SingleOrDefault(d => d.Contains(text, StringComparison.Ordinal)) ?? "";

        // Every change at once; the node's DKIM signature is made over the changed message.
        (await Send("Every", "modify", "someone@dest.test,removed@dest.test", "alice@example.test", "--header", "X-Remove-Me: yes", "--body", "The original body.")).Succeeded();
        await Wait.UntilAsync(() => Delivered("The milter replaced this body.").Length > 0, "the changed message is delivered");
        var changed = Delivered("The milter replaced this body.").Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains("X-Added: added at the end\n", changed, StringComparison.Ordinal);
        Assert.Contains("Subject: rewritten by the milter\n", changed, StringComparison.Ordinal);
        Assert.Contains("X-Absent: added by change\n", changed, StringComparison.Ordinal);
        Assert.Contains("X-Folded: first line\n\tsecond line\n", changed, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Remove-Me", changed, StringComparison.Ordinal);
        Assert.DoesNotContain("The original body.", changed, StringComparison.Ordinal);
        // Inserted at 0: before every field the milter saw, after the node's own Received line.
        var headers = changed[..changed.IndexOf("\n\n", StringComparison.Ordinal)];
        Assert.True(headers.IndexOf("X-First: inserted first", StringComparison.Ordinal) < headers.IndexOf("From: alice@example.test", StringComparison.Ordinal));
        Assert.True(headers.IndexOf("Received: from", StringComparison.Ordinal) < headers.IndexOf("X-First: inserted first", StringComparison.Ordinal));
        Assert.Contains("X-Mail-Args: <bounces@changed.test>\n", changed, StringComparison.Ordinal);
        Assert.Contains("X-Rcpt-Args: <someone@dest.test>\n", changed, StringComparison.Ordinal);
        Assert.Contains("X-Rcpt-Args: <added@dest.test>\n", changed, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Rcpt-Args: <removed@dest.test>", changed, StringComparison.Ordinal);
        Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(work, dns.Endpoint, Delivered("The milter replaced this body.")));

        // The milter's own replies are the answers; a refused recipient refuses the message.
        var reply = await Send("Every", "reply");
        Assert.Contains("550 5.7.0 Refused by the test milter", reply.Output, StringComparison.Ordinal);
        var multiline = await Send("Every", "multiline");
        Assert.Contains("451-4.7.5 first line", multiline.Output, StringComparison.Ordinal);
        Assert.Contains("451 4.7.5 second line", multiline.Output, StringComparison.Ordinal);
        Assert.Contains("451 4.7.1 Service unavailable - try again later", (await Send("Every", "tempfail")).Output, StringComparison.Ordinal);
        Assert.Contains("550 5.1.1 No such user here", (await Send("Every", "recipient", "refused@dest.test,someone@dest.test")).Output, StringComparison.Ordinal);
        (await Send("Every", "discard")).Succeeded();
        (await Send("Every", "accept")).Succeeded();
        (await Send("Every", "slow")).Succeeded();
        await Wait.UntilAsync(() => Delivered($"scan {tag} accept").Length > 0 && Delivered($"scan {tag} slow").Length > 0, "the accepted and the slow message are delivered");
        Assert.Contains("X-Accepted: yes", Delivered($"scan {tag} accept"), StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-Scan: Every unavailable", Delivered($"scan {tag} slow"), StringComparison.Ordinal);
        foreach (var refused in new[] { "reply", "multiline", "tempfail", "recipient", "discard" })
        {
            Assert.Equal("", Delivered($"scan {tag} {refused}"));
        }

        // What the milter was told: Postfix's macros, the envelope, the fields without the node's Received line, one space eaten after the colon.
        var told = (await File.ReadAllLinesAsync(every.Record)).Select(l => JsonNode.Parse(l)!).ToList();
        var connect = told.First(e => (string?)e["event"] == "connect");
        Assert.Equal("mx.milter.test", (string?)connect["j"]);
        Assert.Equal("Every", (string?)connect["daemon_name"]);
        Assert.Equal(node.Address.ToString(), (string?)connect["daemon_addr"]);
        Assert.StartsWith("Gatehouse ", (string?)connect["v"], StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", (string?)connect["address"]);
        var mail = told.First(e => (string?)e["event"] == "mail");
        Assert.Equal("<alice@example.test>", (string?)mail["sender"]);
        Assert.Equal("alice@example.test", (string?)mail["mail_addr"]);
        Assert.Equal("127.0.0.1", (string?)mail["client_addr"]);
        Assert.Matches("^[0-9]+$", (string?)mail["i"]);
        Assert.Contains(told, e => (string?)e["event"] == "rcpt" && (string?)e["rcpt_addr"] == "removed@dest.test");
        var fields = told.First(e => (string?)e["event"] == "eom")["headers"]!.AsArray().Select(h => ((string?)h![0], (string?)h[1])).ToList();
        Assert.DoesNotContain(fields, f => f.Item1 == "Received");
        Assert.Contains(("Subject", $"scan {tag} modify"), fields);

        var log = await File.ReadAllTextAsync(node.MailLog);
        Assert.Matches(@"MID \d+ scanner Every: continue; 6 header changes, body replaced, sender changed, recipients \+1 -1", log);
        Assert.Matches(@"MID \d+ scanner Every: 550 5\.1\.1 No such user here at RCPT TO", log);
        Assert.Matches(@"MID \d+ discarded: a content scanner discarded it", log);
        Assert.Matches(@"MID \d+ scanner Every unavailable \(no verdict within 4 s\): tag", log);

        // clamav-milter asking clamd: EICAR refused; quarantined and held until released, as Debian configures it.
        var infected = await Send("Virus", "eicar", "someone@dest.test", "alice@example.test", "--attach-type", "application/octet-stream", "--attach", $"@{clamd.EicarPath}");
        Assert.Matches(@"5[0-9][0-9] 5\.7\.1 Virus found: eicar\.com\.UNOFFICIAL", infected.Output);
        var held = (await Send("Held", "held", "someone@dest.test", "alice@example.test", "--attach-type", "application/octet-stream", "--attach", $"@{clamd.EicarPath}")).Succeeded();
        var mid = System.Text.RegularExpressions.Regex.Match(held.Output, @"queued as (\d+)").Groups[1].Value;
        Assert.Matches($@"MID {mid} .* next quarantined \(", (await node.CliAsync("queue")).Succeeded().Output);
        // A flush does not send it: the next message is delivered, it is not.
        (await m.CliAsync("queue", "flush")).Succeeded();
        (await Send("Virus", "clean", "someone@dest.test", "alice@example.test", "--body", "Nothing to see here.")).Succeeded();
        await Wait.UntilAsync(() => Delivered($"scan {tag} clean").Length > 0, "the clean message is delivered");
        Assert.DoesNotMatch($@"Delivery start DCID \d+ MID {mid} ", await File.ReadAllTextAsync(node.MailLog));
        Assert.Contains($"node1: MID {mid} released from quarantine", (await m.CliAsync("queue", "release", mid, "--machine", "node1")).Succeeded().Output, StringComparison.Ordinal);
        await Wait.UntilAsync(() => Delivered($"scan {tag} held").Length > 0, "the released message is delivered");
        Assert.Equal("", Delivered($"scan {tag} eicar"));

        // OpenDKIM signing as a milter: its signature verifies.
        (await Send("Dkim", "signed", "someone@dest.test", "bob@milter.test", "--body", "Signed by OpenDKIM.")).Succeeded();
        await Wait.UntilAsync(() => Delivered($"scan {tag} clean").Length > 0 && Delivered("Signed by OpenDKIM.").Length > 0, "the clean and the signed message are delivered");
        Assert.Contains("X-Virus-Status: Clean", Delivered($"scan {tag} clean"), StringComparison.Ordinal);
        var heldLog = await File.ReadAllTextAsync(node.MailLog);
        Assert.Matches($@"MID {mid} scanner Held: accept at the end of the message; 2 header changes, quarantined", heldLog);
        Assert.Matches($@"MID {mid} quarantined: quarantined by clamav-milter", heldLog);
        Assert.Matches($@"MID {mid} released from quarantine by the administrator", heldLog);
        var signed = Delivered("Signed by OpenDKIM.");
        Assert.Contains("d=milter.test", signed, StringComparison.Ordinal);
        Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(work, dns.Endpoint, signed));
    }
}
