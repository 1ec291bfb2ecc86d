using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>
/// <c>--verify</c>: every relay checks SPF, DKIM and DMARC on every message it relays. A dnsmasq
/// serves sender.test's SPF record (the generator's loopback addresses), its DMARC policy
/// (p=reject, so a check that went wrong refuses the mail and shows as failed) and its DKIM key;
/// every generated message carries one signature dkimpy made over the From and To lines and the
/// body they all share.
/// </summary>
internal sealed class InboundChecks(Dnsmasq dns, string signature, string keyRecord) : IAsyncDisposable
{
    public Dnsmasq Dns => dns;

    /// <summary>The DKIM key record the signature verifies with, as published.</summary>
    public (string Name, string Record) PublicKey => ("load._domainkey.sender.test", keyRecord);

    /// <summary>The DKIM-Signature header lines, in CRLF, to put first in every message.</summary>
    public string Signature => signature;

    public const string Policy = "{spf: true, dkim: true, dmarc: true, dmarc_fail: reject}";

    public static async Task<InboundChecks> StartAsync(TestCluster cluster, string body, string recipient)
    {
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "inbound-checks")).FullName;
        var key = Path.Combine(work, "sender.pem");
        (await ManagedProcess.RunProgramAsync("openssl", ["genrsa", "-traditional", "-out", key, "2048"])).Succeeded();
        (await cluster.Manager.CliAsync("signingkeys", "import", "sender", key)).Succeeded();
        var record = await DkimRecords.StringsAsync(cluster.Manager, "sender", "sender.test", "load");
        // On port 53: the Postfix relays' milters read their resolver from resolv.conf.
        var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), [], listen: new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.1.53"), 53), extra:
        [
            "--local=/test/",
            Dnsmasq.TxtRecord("sender.test", "v=spf1 ip4:127.0.0.0/8 -all"),
            Dnsmasq.TxtRecord("_dmarc.sender.test", "v=DMARC1; p=reject"),
            Dnsmasq.TxtRecord("load._domainkey.sender.test", record),
        ]);
        var template = $"From: load@sender.test\r\nTo: {recipient}\r\n\r\n{body}\r\n";
        var signed = (await ManagedProcess.RunProgramAsync("dkimsign", ["--hcanon", "relaxed", "--bcanon", "relaxed", "load", "sender.test", key], template))
            .Succeeded().Output.ReplaceLineEndings("\r\n");
        return new InboundChecks(dns, signed[..signed.IndexOf("From: load@sender.test", StringComparison.Ordinal)], string.Concat(record));
    }

    public ValueTask DisposeAsync() => dns.DisposeAsync();
}
