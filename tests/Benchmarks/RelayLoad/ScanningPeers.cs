using System.Net;
using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>
/// <c>--scan</c>: every relay hands each message to an rspamd and a clamd of its own (clamd with a
/// sigtool-built database, rspamd without Redis or hyperscan): the node as content scanners
/// (clamd, then rspamd; on_failure defer, so that a scan that went wrong shows as failed), each
/// Postfix through clamav-milter in front of its clamd and rspamd's proxy worker as a milter.
/// Their CPU counts as the relay's. rspamd asks a dnsmasq of its own, which answers every
/// question at once (REFUSED: this machine has no Internet), as a local resolver would answer
/// from its cache; without it every message waits out rspamd's DNS timeouts, the same for each
/// relay, and the run measures those.
/// </summary>
internal sealed class ScanningPeers(Rspamd rspamd, Clamd clamd, Dnsmasq dns, ManagedProcess? clamavMilter, int clamavMilterPort) : IAsyncDisposable
{
    public Rspamd Rspamd => rspamd;

    public Clamd Clamd => clamd;

    public IReadOnlyList<int> ProcessIds => [rspamd.ProcessId, clamd.ProcessId, .. clamavMilter is null ? Array.Empty<int>() : [clamavMilter.Id]];

    /// <summary>Postfix's <c>smtpd_milters</c>: clamav-milter, then rspamd.</summary>
    public string Milters => $"inet:127.0.0.1:{clamavMilterPort}, inet:{rspamd.Endpoint}";

    /// <summary>The node's content_scanners and the policy field that uses them.</summary>
    public string ScannersYaml => $$"""
        content_scanners:
          - {name: Virus, type: clamd, address: "{{clamd.Endpoint}}", on_failure: defer}
          - {name: Spam, type: rspamd, address: "{{rspamd.Endpoint}}", on_failure: defer}
        """;

    public static async Task<ScanningPeers> StartAsync(string work, IPAddress address, bool asMilters)
    {
        var dns = await Dnsmasq.StartAsync(Path.Combine(Directory.CreateDirectory(work).FullName, "dnsmasq.log"), [], listen: new IPEndPoint(address, 53));
        var rspamd = await Rspamd.StartAsync(Path.Combine(work, "rspamd"), new IPEndPoint(address, FreePort.On(address)), milter: asMilters, dns: dns.Endpoint);
        var clamd = await Clamd.StartAsync(Path.Combine(work, "clamd"), new IPEndPoint(address, FreePort.On(address)));
        if (!asMilters)
        {
            return new ScanningPeers(rspamd, clamd, dns, null, 0);
        }

        var port = FreePort.On(IPAddress.Loopback);
        var config = Path.Combine(work, "clamav-milter.conf");
        await File.WriteAllTextAsync(config, $"""
            MilterSocket inet:{port}@127.0.0.1
            ClamdSocket tcp:{clamd.Endpoint.Address}:{clamd.Endpoint.Port}
            Foreground yes
            User root
            OnClean Accept
            OnInfected Reject
            OnFail Defer
            AddHeader Replace
            MaxFileSize 25M
            LogFile {Path.Combine(work, "clamav-milter-own.log")}

            """);
        var milter = ManagedProcess.StartExecutable("clamav-milter", ["-c", config], Path.Combine(work, "clamav-milter.log"));
        await Wait.UntilAsync(() => FreePort.Accepts(new IPEndPoint(IPAddress.Loopback, port)), "clamav-milter listens");
        return new ScanningPeers(rspamd, clamd, dns, milter, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (clamavMilter is not null)
        {
            await clamavMilter.StopAsync();
            clamavMilter.Dispose();
        }

        await clamd.DisposeAsync();
        await rspamd.DisposeAsync();
        await dns.DisposeAsync();
    }
}
