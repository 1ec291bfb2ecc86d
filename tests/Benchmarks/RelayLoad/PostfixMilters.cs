using System.Globalization;
using System.Net;
using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>
/// How a Postfix relay signs and checks mail: Debian's OpenDKIM as a milter, signing with the
/// key the node signs with (<c>--dkim</c>), or verifying, followed by OpenDMARC checking SPF
/// itself and DMARC from OpenDKIM's results and refusing what the domain's p=reject refuses
/// (<c>--verify</c>). Each relay has milters of its own; their CPU counts as the relay's.
/// OpenDMARC reads its resolver from /etc/resolv.conf, so each runs in a mount namespace whose
/// resolv.conf names the benchmark's dnsmasq (on port 53).
/// </summary>
internal sealed class PostfixMilters(string sockets, IReadOnlyList<ManagedProcess> processes) : IAsyncDisposable
{
    /// <summary>Postfix's <c>smtpd_milters</c>: OpenDKIM first, so that OpenDMARC reads its results.</summary>
    public string Sockets => sockets;

    public IReadOnlyList<int> ProcessIds => [.. processes.Select(p => p.Id)];

    public static async Task<PostfixMilters> SigningAsync(string work, string keyPem, string algorithm)
    {
        var opendkim = await StartAsync(work, "opendkim", Port(), port => $"""
            Mode s
            Domain sender.test
            Selector bench
            KeyFile {Path.Combine(work, "bench-key.pem")}
            Canonicalization relaxed/relaxed
            SignatureAlgorithm {(algorithm == "ed25519" ? "ed25519-sha256" : "rsa-sha256")}
            InternalHosts 127.0.0.0/8
            RequireSafeKeys no
            Socket inet:{port}@127.0.0.1
            Background no
            Syslog no
            """, null, keyPem);
        return new PostfixMilters($"inet:127.0.0.1:{opendkim.Port}", [opendkim.Process]);
    }

    public static async Task<PostfixMilters> VerifyingAsync(string work, IPEndPoint dns, (string Name, string Record) publicKey, string authservId)
    {
        // OpenDKIM's libunbound cannot be pointed at a loopback server by any setting it parses
        // safely under load, so it reads the sender's key from a file; it is spared the DNS
        // query the node makes (and caches), which only favours Postfix.
        var keys = Path.Combine(Directory.CreateDirectory(work).FullName, "public-keys");
        await File.WriteAllTextAsync(keys, $"{publicKey.Name} {publicKey.Record}\n");
        var opendkim = await StartAsync(work, "opendkim", Port(), port => $"""
            Mode v
            AuthservID {authservId}
            TestPublicKeys {keys}
            Socket inet:{port}@127.0.0.1
            Background no
            Syslog no
            """, dns, null);
        // OpenDMARC leaves mail from 127.0.0.1 alone unless told otherwise.
        var ignored = Path.Combine(work, "opendmarc-ignore-hosts");
        await File.WriteAllTextAsync(ignored, "192.0.2.1\n");
        var opendmarc = await StartAsync(work, "opendmarc", Port(), port => $"""
            AuthservID {authservId}
            TrustedAuthservIDs {authservId}
            SPFSelfValidate true
            SPFIgnoreResults true
            RejectFailures true
            IgnoreHosts {ignored}
            PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
            Socket inet:{port}@127.0.0.1
            Background no
            Syslog false
            """, dns, null);
        return new PostfixMilters($"inet:127.0.0.1:{opendkim.Port}, inet:127.0.0.1:{opendmarc.Port}", [opendkim.Process, opendmarc.Process]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            await process.StopAsync();
            process.Dispose();
        }
    }

    private static async Task<(ManagedProcess Process, int Port)> StartAsync(string work, string program, int port, Func<int, string> config, IPEndPoint? dns, string? keyPem)
    {
        Directory.CreateDirectory(work);
        if (keyPem is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(work, "bench-key.pem"), keyPem);
        }

        var file = Path.Combine(work, $"{program}.conf");
        await File.WriteAllTextAsync(file, config(port) + "\n");
        var resolv = Path.Combine(work, "resolv.conf");
        await File.WriteAllTextAsync(resolv, dns is null ? "nameserver 127.0.0.1\n" : $"nameserver {dns.Address}\n");
        var flag = program == "opendkim" ? "-x" : "-c";
        var process = ManagedProcess.StartExecutable("unshare",
            ["--mount", "--propagation", "private", "sh", "-c", $"mount --bind {resolv} /etc/resolv.conf && exec /usr/sbin/{program} -f {flag} {file}"],
            Path.Combine(work, $"{program}.log"));
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        await Wait.UntilAsync(() => FreePort.Accepts(endpoint), $"{program} listens on {endpoint}");
        return (process, port);
    }

    private static int Port() => FreePort.On(IPAddress.Loopback);
}
