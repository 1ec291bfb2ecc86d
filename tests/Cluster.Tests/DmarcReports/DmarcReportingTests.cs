using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MimeKit;

namespace Gatehouse.Cluster.Tests.DmarcReports;

/// <summary>
/// DMARC aggregate reports across two nodes with real peers: both nodes check mail from two
/// client addresses against records dnsmasq serves, the manager adds their results up into one
/// report per domain and a node mails it to the rua addresses: one in the domain's own
/// organization, one elsewhere that consents (RFC 7489 section 7.1), both Postfix mailboxes. The
/// report is read back from the mailbox: DKIM-signed (dkimpy verifies), valid against the schema
/// of RFC 7489 appendix C (xmllint), with each row's count from both nodes, and understood by
/// Mail::DMARC's own report receiver. A rua that does not consent gets nothing.
/// </summary>
public sealed partial class DmarcReportingTests
{
    private static readonly IPAddress FirstClient = IPAddress.Parse("127.0.8.7");
    private static readonly IPAddress SecondClient = IPAddress.Parse("127.0.8.8");

    [Fact]
    public async Task One_report_per_domain_adds_up_both_nodes_and_reaches_the_consenting_rua_signed_and_valid()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var (m, node1, node2) = (cluster.Manager, cluster.Node("node1"), cluster.Node("node2"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "dmarc-rpt")).FullName;
        var key = Path.Combine(work, "example.pem");
        (await ManagedProcess.RunProgramAsync("openssl", ["genrsa", "-traditional", "-out", key, "2048"])).Succeeded();
        (await m.CliAsync("signingkeys", "import", "example", key)).Succeeded();
        (await m.CliAsync("signingkeys", "new", "reports", "--algorithm", "rsa-2048")).Succeeded();
        await using var mailbox = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "mailbox"), new IPEndPoint(IPAddress.Parse("127.0.8.3"), 25), "mx.reports.test", "none");
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"),
            [("example.test", "mx.reports.test", 10), ("reports.test", "mx.reports.test", 10), ("noconsent.test", "mx.reports.test", 10), ("dest.test", "mx.reports.test", 10)],
            [("mx.reports.test", "127.0.8.3")],
            [
                "--local=/test/",
                Dnsmasq.TxtRecord("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:dmarc@example.test,mailto:agg@reports.test!1m"),
                Dnsmasq.TxtRecord("example.test._report._dmarc.reports.test", "v=DMARC1"),
                Dnsmasq.TxtRecord("_dmarc.other.test", "v=DMARC1; p=none; rua=mailto:agg@noconsent.test"),
                Dnsmasq.TxtRecord("_dmarc.quiet.test", "v=DMARC1; p=none"),
                Dnsmasq.TxtRecord("mail.example.test", $"v=spf1 ip4:{FirstClient} -all"),
                Dnsmasq.TxtRecord("s1._domainkey.example.test", await DkimRecords.StringsAsync(m, "example", "example.test", "s1")),
                Dnsmasq.TxtRecord("rpt._domainkey.cluster.test", await DkimRecords.StringsAsync(m, "reports", "cluster.test", "rpt")),
            ]);
        (await m.LoadConfigAsync($$$"""
            manager:
              dmarc_reporting: {enabled: true, organization_name: Gatehouse Test Org, email: dmarc-reports@cluster.test}
            dkim_profiles: [{name: Reports, domain: cluster.test, selector: rpt, key: reports}]
            system:
              dns_servers: ["{{{dns.Endpoint}}}"]
              queue: {initial_retry_seconds: 3600, max_retry_seconds: 3600}
            mail_flow_policies: [{name: Inbound, behavior: relay, verify: {spf: true, dkim: true, dmarc: true, dmarc_fail: reject}}]
            """, merge: true)).Succeeded();
        var listeners = new Dictionary<NodeInstance, IPEndPoint>();
        foreach (var node in new[] { node1, node2 })
        {
            listeners[node] = new IPEndPoint(node.Address, FreePort.On(node.Address));
            (await m.LoadConfigAsync($$$"""
                ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx.{{{node.Name}}}.test}]
                listeners: [{name: In, type: private, interface: Data1, port: {{{listeners[node].Port}}}, certificate: demo, default_policy: Inbound}]
                """, machine: node.Name, merge: true)).Succeeded();
        }

        var version = await m.CommitAsync("DMARC reporting");
        await node1.WaitAppliedAsync(version);
        await node2.WaitAppliedAsync(version);
        await Wait.UntilAsync(() => listeners.Values.All(FreePort.Accepts), "both listeners accept");

        async Task<CommandResult> Send(NodeInstance node, IPAddress client, string mailFrom, string from, bool sign = false)
        {
            var data = $"From: {from}\r\nTo: someone@dest.test\r\nSubject: dmarc {Guid.NewGuid():N}\r\nDate: {DateTimeOffset.UtcNow:r}\r\n\r\nHello\r\n";
            if (sign)
            {
                data = (await ManagedProcess.RunProgramAsync("dkimsign", ["s1", "example.test", key], data)).Succeeded().Output;
            }

            var file = Path.Combine(work, $"{Guid.NewGuid():N}.eml");
            await File.WriteAllTextAsync(file, data.ReplaceLineEndings("\r\n"));
            return await Swaks.SendAsync(listeners[node], "someone@dest.test", "--local-interface", client.ToString(), "--from", mailFrom, "--data", file);
        }

        // example.test: SPF aligned three times (two nodes), DKIM aligned once, refused once.
        (await Send(node1, FirstClient, "bounce@mail.example.test", "alice@example.test")).Succeeded();
        (await Send(node1, FirstClient, "bounce@mail.example.test", "alice@example.test")).Succeeded();
        (await Send(node2, FirstClient, "bounce@mail.example.test", "alice@example.test")).Succeeded();
        (await Send(node1, SecondClient, "list@elsewhere.test", "bob@example.test", sign: true)).Succeeded();
        var refused = await Send(node2, SecondClient, "x@elsewhere.test", "ceo@example.test");
        Assert.Contains("550 5.7.1", refused.Output, StringComparison.Ordinal);
        // other.test's rua does not consent; quiet.test asks for no reports.
        (await Send(node2, SecondClient, "x@elsewhere.test", "carol@other.test")).Succeeded();
        (await Send(node1, SecondClient, "x@elsewhere.test", "dan@quiet.test")).Succeeded();

        var shown = (await m.CliAsync("dmarc-report", "--date", "today")).Succeeded().Output;
        Assert.Matches(@"node node1: 2 rows", shown);
        Assert.Matches(@"node node2: 3 rows", shown);
        Assert.Matches(@"example\.test\s+5\s+4\s+1\s+not sent", shown);
        Assert.Matches(@"other\.test\s+1\s+0\s+1\s+not sent", shown);
        Assert.DoesNotContain("quiet.test", shown, StringComparison.Ordinal);

        var sent = (await m.CliAsync("dmarc-report", "send", "--date", "today")).Succeeded().Output;
        Assert.Matches(@"example\.test\s+5\s+4\s+1\s+sent by node\d: mailto:dmarc@example\.test \(MID \d+\); mailto:agg@reports\.test \(MID \d+\)", sent);
        Assert.Contains("other.test", sent, StringComparison.Ordinal);
        Assert.Contains("not sent yet (failed 1): mailto:agg@noconsent.test: noconsent.test does not publish other.test._report._dmarc.noconsent.test (RFC 7489 section 7.1)", sent, StringComparison.Ordinal);

        static bool IsReport(string text) => text.Contains("Subject: Report Domain: example.test Submitter: cluster.test", StringComparison.Ordinal);
        try
        {
            await Wait.UntilAsync(() => mailbox.Delivered().Count(IsReport) == 2, "the report reaches both rua addresses");
        }
        catch (TimeoutException)
        {
            // Where it went instead, as the nodes and the mailbox say.
            var said = await File.ReadAllTextAsync(node1.MailLog) + await File.ReadAllTextAsync(node2.MailLog) + await mailbox.MailLogTextAsync();
            throw new TimeoutException($"{mailbox.Delivered().Count(IsReport)} report mails arrived:\n{said}");
        }
        var text = mailbox.Delivered().First(IsReport);
        Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(cluster.Root, dns.Endpoint, text));
        var mail = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal("dmarc-reports@cluster.test", mail.From.Mailboxes.Single().Address);
        Assert.Matches(@"^Report Domain: example\.test Submitter: cluster\.test Report-ID: <[0-9a-f-]{36}>$", mail.Subject);
        var attachment = Assert.Single(mail.BodyParts.OfType<MimePart>(), p => p.ContentType.MimeType == "application/gzip");
        Assert.Matches(@"^cluster\.test!example\.test!\d+!\d+![0-9a-f]{32}\.xml\.gz$", attachment.FileName);
        using var compressed = new MemoryStream();
        await attachment.Content!.DecodeToAsync(compressed);
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        var xml = await new StreamReader(gzip).ReadToEndAsync();
        Assert.Equal("", await MailDmarc.SchemaProblemsAsync(Path.Combine(work, "xmllint"), xml));

        var feedback = XDocument.Parse(xml).Root!;
        Assert.Equal("Gatehouse Test Org", feedback.Element("report_metadata")!.Element("org_name")!.Value);
        Assert.Equal(["example.test", "r", "r", "reject", "reject", "100", "0"], feedback.Element("policy_published")!.Elements().Select(e => e.Value));
        var rows = feedback.Elements("record").Select(r => (
            Ip: r.Element("row")!.Element("source_ip")!.Value,
            Count: int.Parse(r.Element("row")!.Element("count")!.Value, System.Globalization.CultureInfo.InvariantCulture),
            Evaluated: string.Join(' ', r.Element("row")!.Element("policy_evaluated")!.Elements().Select(e => e.Value)),
            Auth: string.Join(' ', r.Element("auth_results")!.Elements().Select(e => string.Join('/', e.Elements().Select(x => x.Value)))))).ToList();
        Assert.Equal(
            [
                ($"{FirstClient}", 3, "none fail pass", "mail.example.test/mfrom/pass"),
                ($"{SecondClient}", 1, "none pass fail", "example.test/s1/pass elsewhere.test/mfrom/none"),
                ($"{SecondClient}", 1, "reject fail fail", "elsewhere.test/mfrom/none"),
            ],
            rows.OrderBy(r => r.Ip, StringComparer.Ordinal).ThenBy(r => r.Evaluated, StringComparer.Ordinal));

        // A receiver's own software reads the mail as it arrived: each row with its count and results.
        var received = await MailDmarc.ReceiveAsync(Path.Combine(work, "mail-dmarc"), text);
        Assert.Contains("Gatehouse Test Org", received, StringComparison.Ordinal);
        Assert.Matches($@"\|\s+--\s+3\s+example\.test\s+{Regex.Escape(FirstClient.ToString())}\s+none\s+fail\s+pass", received);
        Assert.Matches($@"\|\s+--\s+1\s+example\.test\s+{Regex.Escape(SecondClient.ToString())}\s+reject\s+fail\s+fail", received);
        Assert.Matches($@"\|\s+--\s+1\s+example\.test\s+{Regex.Escape(SecondClient.ToString())}\s+none\s+pass\s+fail", received);

        var log = await File.ReadAllTextAsync(node1.MailLog) + await File.ReadAllTextAsync(node2.MailLog);
        Assert.Matches(ReportMailed(), log);
    }

    [GeneratedRegex(@"MID \d+ DMARC report [0-9a-f-]{36} for example\.test to dmarc@example\.test, agg@reports\.test")]
    private static partial Regex ReportMailed();
}
