using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Cluster.Tests.Scanning;

/// <summary>
/// rspamd (Debian's, no Redis) as the content scanner of a policy: the GTUBE test message is
/// refused with rspamd's reject and its text; a clean message is delivered with rspamd's
/// headers; with rspamd stopped, on_failure decides: defer answers 451, accept delivers, and
/// once half its scans failed its circuit opens, which raises one cluster alert naming each node
/// that saw it. Each verdict is a mail log line.
/// </summary>
public sealed class RspamdScanningTests
{
    private const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    [Fact]
    public async Task Gtube_is_refused_clean_mail_gets_rspamds_headers_and_a_stopped_rspamd_is_met_by_on_failure()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "rspamd")).FullName;
        var address = IPAddress.Parse("127.0.8.30");
        var rspamd = await Rspamd.StartAsync(Path.Combine(work, "rspamd"), new IPEndPoint(address, FreePort.On(address)));
        await using var stopped = rspamd;
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));
        async Task CommitAsync(string onFailure)
        {
            (await m.LoadConfigAsync($$$"""
                ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx.scan.test}]
                content_scanners: [{name: Spam, type: rspamd, address: "{{{rspamd.Endpoint}}}", timeout_seconds: 10, on_failure: {{{onFailure}}}}]
                mail_flow_policies: [{name: Scanned, behavior: relay, scanners: [Spam]}]
                smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
                destination_controls: [{domain: dest.test, tls: none}]
                listeners: [{name: In, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Scanned}]
                """, machine: "node1", merge: true)).Succeeded();
            await node.WaitAppliedAsync(await m.CommitAsync($"rspamd, on failure {onFailure}"));
        }

        await CommitAsync("defer");
        await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");
        var tag = Guid.NewGuid().ToString("N")[..10];
        Task<CommandResult> Send(string name, string body) =>
            Swaks.SendAsync(listener, "someone@dest.test", "--header", $"Subject: scan {tag} {name}", "--body", body);

        var gtube = await Send("gtube", $"This is spam.\n{Gtube}\n");
        Assert.NotEqual(0, gtube.ExitCode);
        Assert.Contains("554 5.7.1 Gtube pattern", gtube.Output, StringComparison.Ordinal);
        (await Send("clean", "Hello, the minutes of today's meeting are attached in spirit.")).Succeeded();

        string Delivered(string name) => sink.Delivered().SingleOrDefault(d => d.Contains($"scan {tag} {name}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => Delivered("clean").Length > 0, "the sink has the clean message");
        Assert.Contains("X-Spamd-Result:", Delivered("clean"), StringComparison.Ordinal);
        Assert.Contains("X-Rspamd-Server:", Delivered("clean"), StringComparison.Ordinal);
        Assert.DoesNotContain(sink.Delivered(), d => d.Contains($"scan {tag} gtube", StringComparison.Ordinal));
        var log = await File.ReadAllTextAsync(node.MailLog);
        Assert.Matches(@"MID \d+ scanner Spam: reject \(score [0-9.]+/[0-9.]+: GTUBE", log);
        Assert.Matches(@"MID \d+ refused by scanner Spam: 554 5\.7\.1 Gtube pattern", log);
        Assert.Matches(@"MID \d+ scanner Spam: no action \(score", log);
        // The refused message and its verdict in message tracking.
        var tracked = (await m.CliAsync("track", "--subject", $"scan {tag} gtube", "--json")).Succeeded().Output;
        Assert.Contains("refused by scanner Spam: 554 5.7.1 Gtube pattern", tracked, StringComparison.Ordinal);

        // rspamd gone: defer keeps the message with its sender; accept lets it through, said in the log.
        await rspamd.StopAsync();
        var deferred = await Send("deferred", "Hello again.");
        Assert.Contains("451 4.7.0 Content scanner unavailable", deferred.Output, StringComparison.Ordinal);
        await CommitAsync("accept");
        (await Send("accepted", "Hello once more.")).Succeeded();
        await Wait.UntilAsync(() => Delivered("accepted").Length > 0, "the sink has the message rspamd did not see");
        Assert.Matches(@"MID \d+ scanner Spam unavailable \([^)]*\): accept", await File.ReadAllTextAsync(node.MailLog));

        // Half its scans failed: its circuit opens, and the next messages do not wait for it.
        (await Send("third", "Third.")).Succeeded();
        (await Send("fourth", "Fourth.")).Succeeded();
        var circuitLog = await File.ReadAllTextAsync(node.MailLog);
        Assert.True(circuitLog.Contains("scanner Spam unavailable (no verdict from its last scans; tried again within 30 s): accept", StringComparison.Ordinal), string.Join("\n", circuitLog.Split('\n').Where(l => l.Contains("scanner", StringComparison.Ordinal))));

        // The open circuit is told to the manager: one alert for the cluster, naming each node
        // that saw it down (a second member reports the same scanner).
        static string? SeenBy(JsonNode? alert) => alert?["seen_by"] is JsonArray nodes ? string.Join(", ", nodes.Select(n => (string?)n)) : null;
        async Task<JsonNode?> AlertAsync() =>
            ((JsonArray)await m.Http.GetJsonAsync("api/v1/alerts?last=500")).LastOrDefault(a => ((string?)a!["key"])!.StartsWith("scanner-down/Spam@", StringComparison.Ordinal));
        await Wait.UntilAsync(async () => SeenBy(await AlertAsync()) == "node1", "node1 told the manager that Spam is down");
        Assert.Contains("Content scanner Spam gives no verdicts", (string?)(await AlertAsync())!["message"], StringComparison.Ordinal);
        using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(m.CaFile);
        await using var witness = new MemberNode("witness", IPAddress.Parse("127.0.8.32"), m.Url, clusterCa);
        await witness.JoinAsync(await m.CreateTokenAsync());
        await witness.ConnectAsync();
        await witness.SendAsync(new NodeMessage { ScannerDown = new ScannerDown { Scanner = "Spam", Reason = "Connection refused" } });
        await witness.SendAsync(new NodeMessage { ScannerDown = new ScannerDown { Scanner = "Spam\r\nBcc: x", Reason = "x" } });
        await Wait.UntilAsync(async () => SeenBy(await AlertAsync()) == "node1, witness", "the witness is named in the same alert");
        Assert.Single((JsonArray)await m.Http.GetJsonAsync("api/v1/alerts?last=500"), a => ((string?)a!["key"])!.StartsWith("scanner-down/", StringComparison.Ordinal));
    }
}
