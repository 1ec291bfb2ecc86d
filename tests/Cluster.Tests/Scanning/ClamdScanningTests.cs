using System.IO.Compression;
using System.Net;

namespace Gatehouse.Cluster.Tests.Scanning;

/// <summary>
/// clamd (Debian's, a signature database built with sigtool) as the content scanner of a
/// policy: the EICAR test file, attached plain and inside a zip, is refused with 554 5.7.1 and
/// the signature's name, or, as the scanner's on_found says, tagged and delivered, or held in the
/// queue (quarantine); clean mail passes; a message over clamd's StreamMaxLength and a stopped
/// clamd leave the message to on_failure, here tag.
/// </summary>
public sealed class ClamdScanningTests
{
    [Fact]
    public async Task Eicar_plain_and_zipped_is_refused_clean_mail_passes_and_what_clamd_cannot_judge_is_tagged()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var (m, node) = (cluster.Manager, cluster.Node("node1"));
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "clamd")).FullName;
        var address = IPAddress.Parse("127.0.8.31");
        var clamd = await Clamd.StartAsync(Path.Combine(work, "clamd"), new IPEndPoint(address, FreePort.On(address)));
        await using var stopped = clamd;
        await using var sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        var listener = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var (tagging, holding) = (new IPEndPoint(node.Address, FreePort.On(node.Address)), new IPEndPoint(node.Address, FreePort.On(node.Address)));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx.scan.test}]
            content_scanners:
              - {name: Virus, type: clamd, address: "{{{clamd.Endpoint}}}", timeout_seconds: 10, on_failure: tag}
              - {name: Tagging, type: clamd, address: "{{{clamd.Endpoint}}}", on_failure: defer, on_found: tag}
              - {name: Holding, type: clamd, address: "{{{clamd.Endpoint}}}", on_failure: defer, on_found: quarantine}
            mail_flow_policies:
              - {name: Scanned, behavior: relay, max_message_size_bytes: 10485760, scanners: [Virus]}
              - {name: Tagged, behavior: relay, scanners: [Tagging]}
              - {name: Held, behavior: relay, scanners: [Holding]}
            smtp_routes: [{domain: dest.test, hosts: [{host: {{{sink.Endpoint.Address}}}, port: {{{sink.Endpoint.Port}}}}]}]
            destination_controls: [{domain: dest.test, tls: none}]
            listeners:
              - {name: In, type: private, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: Scanned}
              - {name: Tag, type: private, interface: Data1, port: {{{tagging.Port}}}, certificate: demo, default_policy: Tagged}
              - {name: Hold, type: private, interface: Data1, port: {{{holding.Port}}}, certificate: demo, default_policy: Held}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("clamd"));
        await Wait.UntilAsync(() => FreePort.Accepts(listener), "the listener accepts");

        var zip = Path.Combine(work, "invoice.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(clamd.EicarPath, "invoice.pdf.com");
        }

        var large = Path.Combine(work, "large.bin");
        await File.WriteAllBytesAsync(large, [.. Enumerable.Range(0, 2 * 1024 * 1024).Select(i => (byte)(i * 7919 % 251))]);
        var tag = Guid.NewGuid().ToString("N")[..10];
        Task<CommandResult> Send(string name, params string[] extra) =>
            Swaks.SendAsync(listener, "someone@dest.test", ["--header", $"Subject: scan {tag} {name}", .. extra]);

        foreach (var (name, file) in new[] { ("plain", clamd.EicarPath), ("zipped", zip) })
        {
            var refused = await Send(name, "--attach-type", "application/octet-stream", "--attach", $"@{file}");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("554 5.7.1 Virus found: eicar.com.UNOFFICIAL", refused.Output, StringComparison.Ordinal);
        }

        (await Send("clean", "--body", "Nothing to see here.")).Succeeded();
        (await Swaks.SendAsync(tagging, "someone@dest.test", "--header", $"Subject: scan {tag} tagged", "--attach-type", "application/octet-stream", "--attach", $"@{clamd.EicarPath}")).Succeeded();
        var held = (await Swaks.SendAsync(holding, "someone@dest.test", "--header", $"Subject: scan {tag} held", "--attach-type", "application/octet-stream", "--attach", $"@{clamd.EicarPath}")).Succeeded();
        var heldMid = System.Text.RegularExpressions.Regex.Match(held.Output, @"queued as (\d+)").Groups[1].Value;
        Assert.Matches($@"MID {heldMid} .* next quarantined \(Holding found eicar\.com\.UNOFFICIAL\)", (await node.CliAsync("queue")).Succeeded().Output);
        (await Send("large", "--attach-type", "application/octet-stream", "--attach", $"@{large}")).Succeeded();
        await clamd.StopAsync();
        (await Send("down", "--body", "clamd is gone.")).Succeeded();

        string Delivered(string name) => sink.Delivered().SingleOrDefault(d => d.Contains($"scan {tag} {name}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => new[] { "clean", "large", "down", "tagged" }.All(n => Delivered(n).Length > 0), "the sink has the four messages");
        Assert.Contains("X-Gatehouse-Virus: eicar.com.UNOFFICIAL found by Tagging", Delivered("tagged"), StringComparison.Ordinal);
        Assert.Equal("", Delivered("held"));
        Assert.DoesNotContain("X-Gatehouse-Scan", Delivered("clean"), StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-Scan: Virus unavailable", Delivered("large"), StringComparison.Ordinal);
        Assert.Contains("X-Gatehouse-Scan: Virus unavailable", Delivered("down"), StringComparison.Ordinal);
        Assert.DoesNotContain(sink.Delivered(), d => d.Contains($"scan {tag} plain", StringComparison.Ordinal) || d.Contains($"scan {tag} zipped", StringComparison.Ordinal));

        var log = await File.ReadAllTextAsync(node.MailLog);
        Assert.Matches(@"MID \d+ scanner Virus: found eicar\.com\.UNOFFICIAL", log);
        Assert.Matches(@"MID \d+ scanner Virus: clean", log);
        Assert.Matches(@"MID \d+ scanner Virus unavailable \(clamd answered INSTREAM size limit exceeded[^)]*\): tag", log);
    }
}
