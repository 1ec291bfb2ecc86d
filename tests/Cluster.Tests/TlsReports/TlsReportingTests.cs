using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MimeKit;

namespace Gatehouse.Cluster.Tests.TlsReports;

/// <summary>
/// TLS reporting (RFC 8460) across two nodes with real peers: a known run of good and failing
/// deliveries from both nodes — MTA-STS enforce to Postfix with the right certificate, MTA-STS
/// enforce to Postfix with a certificate for another name, no policy at all — is added up by
/// the manager into one report per policy domain, and sent to the rua the domain publishes in
/// its <c>_smtp._tls</c> TXT record (served by dnsmasq): by mail to a Postfix mailbox and by
/// POST to nginx. Both are read back and checked against the RFC's fields and those counts.
/// </summary>
public sealed partial class TlsReportingTests(TlsReportingFixture fixture) : IClassFixture<TlsReportingFixture>
{
    [Fact]
    public async Task One_report_per_domain_for_the_whole_cluster_reaches_the_mailbox_and_the_https_endpoint_with_every_nodes_sessions()
    {
        var m = fixture.Cluster.Manager;
        var shown = await DayAsync("tls-report", "--date", "today", "--json");
        Assert.All(shown.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.GetProperty("answered").GetBoolean(), n.ToString()));
        CheckPolicies("rpt-sts.test", Report(shown, "rpt-sts.test"), successful: 3, failures: []);
        CheckPolicies("rpt-plain.test", Report(shown, "rpt-plain.test"), successful: 1, failures: []);
        CheckPolicies("rpt-down.test", Report(shown, "rpt-down.test"), successful: 1, failures: []);
        CheckPolicies("rpt-bad.test", Report(shown, "rpt-bad.test"), successful: 0,
            failures: [(fixture.Node1.Address.ToString(), 1), (fixture.Node2.Address.ToString(), 1)]);

        var sent = await DayAsync("tls-report", "send", "--date", "today", "--json");
        var states = sent.GetProperty("reports").EnumerateArray().ToDictionary(r => r.GetProperty("domain").GetString()!, r => r.GetProperty("state").GetString()!);
        Assert.Matches(@"^sent by node\d: mailto:tlsrpt@reports\.test \(MID \d+\); https://rua\.reports\.test/v1/tlsrpt \(HTTP 200\)$", states["rpt-sts.test"]);
        Assert.Matches(@"^sent by node\d: mailto:tlsrpt@reports\.test \(MID \d+\)$", states["rpt-bad.test"]);
        Assert.Equal("not sent, _smtp._tls.rpt-plain.test: no v=TLSRPTv1 record", states["rpt-plain.test"]);
        // Its only rua answers 404: kept to be tried again, not counted as sent.
        Assert.Equal("not sent yet (failed 1): https://rua.reports.test/v1/missing (HTTP 404)", states["rpt-down.test"]);

        await Wait.UntilAsync(() => fixture.Reports.Delivered().Count >= 2, "both report mails reach the Postfix mailbox");
        var mails = fixture.Reports.Delivered().Select(text => MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)))).ToList();
        foreach (var text in fixture.Reports.Delivered())
        {
            Assert.Equal("pass", await DkimVerifiers.DkimPyAsync(fixture.Cluster.Root, fixture.Dns.Endpoint, text));
        }

        var mailed = new Dictionary<string, JsonElement>();
        foreach (var mail in mails)
        {
            var domain = mail.Headers["TLS-Report-Domain"] ?? "";
            Assert.Equal("relay.cluster.test", mail.Headers["TLS-Report-Submitter"]);
            Assert.Equal("No", mail.Headers["TLS-Required"]);
            Assert.Equal("noreply-smtp-tls-reporting@relay.cluster.test", mail.From.Mailboxes.Single().Address);
            Assert.Matches($@"^Report Domain: {Regex.Escape(domain)} Submitter: relay\.cluster\.test Report-ID: <[0-9a-f-]{{36}}>$", mail.Subject);
            var report = Assert.IsType<MultipartReport>(mail.Body);
            Assert.Equal("tlsrpt", report.ReportType);
            var attachment = Assert.Single(report.OfType<MimePart>(), p => p.ContentType.MimeType == "application/tlsrpt+gzip");
            Assert.Matches($@"^relay\.cluster\.test!{Regex.Escape(domain)}!\d+!\d+![0-9a-f]{{32}}\.json\.gz$", attachment.FileName);
            using var gzip = new MemoryStream();
            await attachment.Content!.DecodeToAsync(gzip);
            mailed[domain] = Gunzip(gzip.ToArray());
        }

        Assert.Equal(["rpt-bad.test", "rpt-sts.test"], mailed.Keys.Order());
        CheckSchema(mailed["rpt-sts.test"]);
        CheckPolicies("rpt-sts.test", mailed["rpt-sts.test"], successful: 3, failures: []);
        CheckPolicies("rpt-bad.test", mailed["rpt-bad.test"], successful: 0, failures: [(fixture.Node1.Address.ToString(), 1), (fixture.Node2.Address.ToString(), 1)]);

        var post = Assert.Single(fixture.Endpoint.Posts());
        Assert.Equal("application/tlsrpt+gzip", post.ContentType);
        var posted = Gunzip(post.Body);
        CheckSchema(posted);
        Assert.Equal(mailed["rpt-sts.test"].GetProperty("report-id").GetString(), posted.GetProperty("report-id").GetString());
        CheckPolicies("rpt-sts.test", posted, successful: 3, failures: []);

        // Sent is sent: asking again sends nothing more.
        await DayAsync("tls-report", "send", "--date", "today", "--json");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, fixture.Reports.Delivered().Count);
        Assert.Single(fixture.Endpoint.Posts());
        var listed = (await m.CliAsync("tls-report", "--date", "today")).Succeeded().Output;
        Assert.Matches(@"rpt-sts\.test\s+3\s+0\s+sts\s+sent by node\d", listed);
    }

    [Fact]
    public async Task An_MTA_STS_policy_one_node_fetched_is_shared_so_the_policy_host_is_asked_once_for_the_cluster()
    {
        foreach (var domain in new[] { "rpt-sts.test", "rpt-bad.test" })
        {
            Assert.Equal(1, fixture.Policies.Fetches(domain));
            Assert.Contains($"MTA-STS policy of {domain} fetched: enforce", File.ReadAllText(fixture.Node1.MailLog), StringComparison.Ordinal);
            Assert.Contains($"MTA-STS policy of {domain} taken from the cluster: enforce", File.ReadAllText(fixture.Node2.MailLog), StringComparison.Ordinal);
        }

        // A node that starts with no policies gets every valid one when its stream opens.
        await fixture.Node2.StopAsync();
        Directory.Delete(Path.Combine(fixture.Node2.DataDir, "state", "mta-sts"), recursive: true);
        fixture.Node2.Start();
        await fixture.Node2.WaitConnectedAsync();
        await Wait.UntilAsync(() => File.Exists(Path.Combine(fixture.Node2.DataDir, "state", "mta-sts", "rpt-sts.test.json")), "node2 holds rpt-sts.test's policy again");
        Assert.Equal(1, fixture.Policies.Fetches("rpt-sts.test"));
    }

    [Fact]
    public async Task A_malformed_or_future_date_is_refused()
    {
        var refused = await fixture.Cluster.Manager.CliAsync("tls-report", "--date", "12/01/2026");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("YYYY-MM-DD", refused.Output + refused.Error, StringComparison.Ordinal);
        var future = await fixture.Cluster.Manager.CliAsync("tls-report", "send", "--date", DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(0, future.ExitCode);
        Assert.Contains("has not begun", future.Output + future.Error, StringComparison.Ordinal);
    }

    private static void CheckSchema(JsonElement report)
    {
        Assert.Equal("Gatehouse Test Org", report.GetProperty("organization-name").GetString());
        Assert.Equal("mailto:tls-admin@cluster.test", report.GetProperty("contact-info").GetString());
        var range = report.GetProperty("date-range");
        var start = DateTimeOffset.Parse(range.GetProperty("start-datetime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(range.GetProperty("end-datetime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTime.UtcNow.Date, start.UtcDateTime);
        Assert.True(end > start && end <= DateTimeOffset.UtcNow.AddMinutes(1), range.ToString());
        Assert.Matches("^[0-9a-f-]{36}$", report.GetProperty("report-id").GetString()!);
    }

    /// <summary>The one policy of the domain: its type and strings, the summary, and one failure detail per sending node.</summary>
    private static void CheckPolicies(string domain, JsonElement report, long successful, (string SendingIp, long Count)[] failures)
    {
        var policy = Assert.Single(report.GetProperty("policies").EnumerateArray());
        var stated = policy.GetProperty("policy");
        Assert.Equal(domain, stated.GetProperty("policy-domain").GetString());
        var type = stated.GetProperty("policy-type").GetString();
        Assert.Equal(domain is "rpt-plain.test" or "rpt-down.test" ? "no-policy-found" : "sts", type);
        if (type == "sts")
        {
            Assert.Contains("mode: enforce", stated.GetProperty("policy-string").EnumerateArray().Select(s => s.GetString()));
        }

        var summary = policy.GetProperty("summary");
        Assert.Equal(successful, summary.GetProperty("total-successful-session-count").GetInt64());
        Assert.Equal(failures.Sum(f => f.Count), summary.GetProperty("total-failure-session-count").GetInt64());
        var details = policy.TryGetProperty("failure-details", out var d) ? d.EnumerateArray().ToList() : [];
        Assert.Equal(failures.Order(), details.Select(x => (x.GetProperty("sending-mta-ip").GetString()!, x.GetProperty("failed-session-count").GetInt64())).Order());
        Assert.All(details, x =>
        {
            Assert.Equal("certificate-host-mismatch", x.GetProperty("result-type").GetString());
            Assert.Equal("mx.rpt-wrong.test", x.GetProperty("receiving-mx-hostname").GetString());
            Assert.Equal("127.0.7.2", x.GetProperty("receiving-ip").GetString());
        });
    }

    private static JsonElement Report(JsonElement day, string domain) =>
        day.GetProperty("reports").EnumerateArray().Single(r => r.GetProperty("domain").GetString() == domain).GetProperty("report");

    private static JsonElement Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        return JsonDocument.Parse(gzip).RootElement.Clone();
    }

    private async Task<JsonElement> DayAsync(params string[] arguments)
    {
        var result = (await fixture.Cluster.Manager.CliAsync(arguments)).Succeeded();
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }
}

/// <summary>
/// Two nodes relaying to Postfix with the right certificate (127.0.7.1), Postfix with a
/// certificate for another name (127.0.7.2), a Postfix mailbox for reports (127.0.7.3), nginx
/// taking reports by POST (127.0.7.4) and nginx serving MTA-STS policies (127.0.7.5); then the
/// known run: node1 sends two messages to rpt-sts.test, one each to rpt-plain.test, rpt-down.test
/// and rpt-bad.test, node2 one to rpt-sts.test and one to rpt-bad.test, one message per connection.
/// </summary>
public sealed partial class TlsReportingFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> peers = [];

    public TestCluster Cluster { get; private set; } = null!;

    public NodeInstance Node1 => Cluster.Node("node1");

    public NodeInstance Node2 => Cluster.Node("node2");

    public PostfixInstance Reports { get; private set; } = null!;

    public TlsRptEndpoint Endpoint { get; private set; } = null!;

    public MtaStsHost Policies { get; private set; } = null!;

    public Dnsmasq Dns { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 2);
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "tlsrpt")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "TlsRpt");
        async Task<(string Chain, string Key)> Issue(string name)
        {
            var (certificate, key) = await ca.IssueAsync(name, name);
            return (await ca.ChainAsync(certificate), key);
        }

        var good = await Issue("mx.rpt-good.test");
        var wrong = await Issue("other.example.net");
        peers.Add(await PostfixInstance.StartReceiverAsync(Path.Combine(work, "good"), new IPEndPoint(IPAddress.Parse("127.0.7.1"), 25), "mx.rpt-good.test", "may", good.Chain, good.Key));
        peers.Add(await PostfixInstance.StartReceiverAsync(Path.Combine(work, "wrong"), new IPEndPoint(IPAddress.Parse("127.0.7.2"), 25), "mx.rpt-wrong.test", "may", wrong.Chain, wrong.Key));
        Reports = await PostfixInstance.StartReceiverAsync(Path.Combine(work, "reports"), new IPEndPoint(IPAddress.Parse("127.0.7.3"), 25), "mx.reports.test", "none");
        peers.Add(Reports);
        var rua = await Issue("rua.reports.test");
        Endpoint = await TlsRptEndpoint.StartAsync(Path.Combine(work, "rua"), IPAddress.Parse("127.0.7.4"), "rua.reports.test", rua.Chain, rua.Key);
        peers.Add(Endpoint);
        var policies = new List<(string, string, string, string)>();
        foreach (var (domain, mx) in new[] { ("rpt-sts.test", "mx.rpt-good.test"), ("rpt-bad.test", "mx.rpt-wrong.test") })
        {
            var (chain, key) = await Issue($"mta-sts.{domain}");
            policies.Add((domain, $"version: STSv1\nmode: enforce\nmx: {mx}\nmax_age: 86400\n", chain, key));
        }

        Policies = await MtaStsHost.StartAsync(Path.Combine(work, "mta-sts"), IPAddress.Parse("127.0.7.5"), policies);
        peers.Add(Policies);
        // Report mail is signed by the submitter domain's profile (RFC 8460 section 5.3).
        (await Cluster.Manager.CliAsync("signingkeys", "new", "reports", "--algorithm", "rsa-2048")).Succeeded();
        var reportKey = await DkimRecords.StringsAsync(Cluster.Manager, "reports", "cluster.test", "rpt");
        var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"),
            [("rpt-sts.test", "mx.rpt-good.test", 10), ("rpt-plain.test", "mx.rpt-good.test", 10), ("rpt-down.test", "mx.rpt-good.test", 10), ("rpt-bad.test", "mx.rpt-wrong.test", 10), ("reports.test", "mx.reports.test", 10)],
            [("mx.rpt-good.test", "127.0.7.1"), ("mx.rpt-wrong.test", "127.0.7.2"), ("mx.reports.test", "127.0.7.3"), ("rua.reports.test", "127.0.7.4"),
                ("mta-sts.rpt-sts.test", "127.0.7.5"), ("mta-sts.rpt-bad.test", "127.0.7.5")],
            [
                "--txt-record=_mta-sts.rpt-sts.test,v=STSv1; id=20261203",
                "--txt-record=_mta-sts.rpt-bad.test,v=STSv1; id=20261203",
                Dnsmasq.TxtRecord("_smtp._tls.rpt-sts.test", $"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,https://rua.reports.test{TlsRptEndpoint.Path}"),
                "--txt-record=_smtp._tls.rpt-bad.test,v=TLSRPTv1;rua=mailto:tlsrpt@reports.test",
                "--txt-record=_smtp._tls.rpt-down.test,v=TLSRPTv1; rua=https://rua.reports.test/v1/missing",
                Dnsmasq.TxtRecord("rpt._domainkey.cluster.test", reportKey),
                // Names it does not hold do not exist (NXDOMAIN), as an authoritative server says; without it, REFUSED.
                "--local=/test/",
            ]);
        peers.Add(dns);
        Dns = dns;

        var m = Cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", ca.RootCertificate)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            manager:
              tls_reporting: {enabled: true, organization_name: Gatehouse Test Org, contact_info: "mailto:tls-admin@cluster.test", submitter: relay.cluster.test}
            dkim_profiles: [{name: Reports, domain: cluster.test, selector: rpt, key: reports}]
            system:
              dns_servers: ["{{{dns.Endpoint}}}"]
              queue: {initial_retry_seconds: 3600, max_retry_seconds: 3600}
            mail_flow_policies: [{name: P_RELAY, behavior: relay, tls: preferred}, {name: P_BLOCK, behavior: reject}]
            sender_groups: [{name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}]
            destination_controls:
              - {domain: rpt-sts.test, tls: none, mta_sts: on, max_messages_per_connection: 1}
              - {domain: rpt-bad.test, tls: preferred, mta_sts: on, max_messages_per_connection: 1}
              - {domain: rpt-plain.test, tls: preferred, mta_sts: on, max_messages_per_connection: 1}
              - {domain: rpt-down.test, tls: preferred, max_messages_per_connection: 1}
            """, merge: true)).Succeeded();
        var relays = new Dictionary<NodeInstance, IPEndPoint>();
        foreach (var node in new[] { Node1, Node2 })
        {
            relays[node] = new IPEndPoint(node.Address, FreePort.On(node.Address));
            (await m.LoadConfigAsync($$$"""
                hostname: relay.{{{node.Name}}}.test
                ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: relay.{{{node.Name}}}.test}]
                listeners: [{name: Relay, type: private, interface: Data1, port: {{{relays[node].Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}]
                """, machine: node.Name, merge: true)).Succeeded();
        }

        var version = await m.CommitAsync("tls reporting peers");
        await Node1.WaitAppliedAsync(version);
        await Node2.WaitAppliedAsync(version);
        await Wait.UntilAsync(() => relays.Values.All(FreePort.Accepts), "both relay listeners accept");

        // The known run, one message at a time so that each is one session.
        foreach (var (node, to, outcome) in new[]
        {
            (Node1, "rpt-sts.test", "done"), (Node1, "rpt-sts.test", "done"), (Node1, "rpt-plain.test", "done"), (Node1, "rpt-down.test", "done"), (Node1, "rpt-bad.test", "Delayed"),
            (Node2, "rpt-sts.test", "done"), (Node2, "rpt-bad.test", "Delayed"),
        })
        {
            if (node == Node2)
            {
                // node1 fetched both policies; node2 uses them as the cluster shared them, without asking the policy host.
                await Wait.UntilAsync(() => File.Exists(Path.Combine(Node2.DataDir, "state", "mta-sts", "rpt-bad.test.json")), "node2 holds the policies node1 fetched");
            }

            var sent = (await Swaks.SendAsync(relays[node], $"user@{to}", "--from", "sender@reports.test", "--header", $"Subject: run {Guid.NewGuid():N}")).Succeeded();
            var mid = QueuedAs().Match(sent.Output).Groups[1].Value;
            var pattern = outcome == "done" ? $@"Message done DCID [1-9]\d* MID {mid} " : $@"Delayed: DCID \d+ MID {mid} ";
            await Wait.UntilAsync(() => File.Exists(node.MailLog) && Regex.IsMatch(File.ReadAllText(node.MailLog), pattern), $"{node.Name} MID {mid} to {to}: {outcome}");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var peer in Enumerable.Reverse(peers))
        {
            await peer.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    [GeneratedRegex(@"queued as (\d+)")]
    private static partial Regex QueuedAs();
}
