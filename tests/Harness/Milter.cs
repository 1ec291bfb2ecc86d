using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Milters, the way a Postfix next to Gatehouse runs them: Debian's OpenDKIM signing one
/// domain's mail with a key and algorithm, or verifying; OpenDMARC checking SPF itself and DMARC
/// from OpenDKIM's results; clamav-milter asking a clamd; and a pymilter milter that asks for
/// every change the protocol allows. Each runs in the foreground; OpenDKIM and OpenDMARC in a
/// mount namespace whose /etc/resolv.conf names the test's DNS server (on port 53) when it has one.
/// </summary>
public sealed class Milter(ManagedProcess process, int port, string record = "") : IAsyncDisposable
{
    /// <summary>As Postfix's <c>smtpd_milters</c> names it.</summary>
    public string Socket => $"inet:127.0.0.1:{port}";

    /// <summary>As Gatehouse's content scanner address names it.</summary>
    public string Address => $"127.0.0.1:{port}";

    public int ProcessId => process.Id;

    /// <summary>The every-change milter's record: one JSON object per event it was told of.</summary>
    public string Record => record;

    /// <summary>
    /// tests/Harness/milters/every_change.py on Debian's python3-milter (libmilter): chosen by the
    /// Subject, it adds, inserts, changes and deletes header fields, replaces the body, adds and
    /// deletes recipients and changes the sender ("modify"), or answers with its own reply
    /// ("reply", "multiline"), tempfail, discard, accept, or waits ("slow"); it refuses the
    /// recipient refused@…, and records the macros, envelope and header fields it was given.
    /// </summary>
    public static async Task<Milter> EveryChangeAsync(string work)
    {
        var port = FreePort.On(IPAddress.Loopback);
        var record = Path.Combine(Directory.CreateDirectory(work).FullName, "every-change.jsonl");
        var script = Path.Combine(AppContext.BaseDirectory, "milters", "every_change.py");
        var process = await LaunchAsync(work, "every-change", port, "/usr/bin/python3", [script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), record]);
        return new Milter(process, port, record);
    }

    /// <summary>clamav-milter asking <paramref name="clamd"/>; infected mail refused, or quarantined as Debian's own configuration does.</summary>
    public static async Task<Milter> ClamavAsync(string work, IPEndPoint clamd, bool quarantine)
    {
        var port = FreePort.On(IPAddress.Loopback);
        var config = Path.Combine(Directory.CreateDirectory(work).FullName, "clamav-milter.conf");
        await File.WriteAllTextAsync(config, $"""
            MilterSocket inet:{port}@127.0.0.1
            ClamdSocket tcp:{clamd.Address}:{clamd.Port}
            Foreground yes
            User root
            OnClean Accept
            OnInfected {(quarantine ? "Quarantine" : "Reject")}
            OnFail Defer
            AddHeader Replace
            RejectMsg Virus found: %v
            LogFile {Path.Combine(work, "clamav-milter-own.log")}
            LogInfected Full
            MaxFileSize 5M

            """);
        return new Milter(await LaunchAsync(work, "clamav-milter", port, "/usr/sbin/clamav-milter", ["-c", config]), port);
    }

    /// <param name="algorithm">rsa-sha256 or ed25519-sha256, as the key is.</param>
    public static Task<Milter> OpenDkimSigningAsync(string work, string domain, string selector, string keyPem, string algorithm)
    {
        var key = Path.Combine(Directory.CreateDirectory(work).FullName, $"{selector}.{domain}.pem");
        File.WriteAllText(key, keyPem);
        return StartAsync(work, "opendkim", $"sign-{selector}-{domain}", null, port => $"""
            Mode s
            Domain {domain}
            Selector {selector}
            KeyFile {key}
            SignatureAlgorithm {algorithm}
            Canonicalization relaxed/relaxed
            InternalHosts 127.0.0.0/8
            RequireSafeKeys no
            Socket inet:{port}@127.0.0.1
            Background no
            Syslog no
            """);
    }

    /// <summary>
    /// OpenDKIM verifying, the key it needs read from a file: its libunbound cannot be pointed at
    /// a loopback DNS server by any setting it parses safely under load.
    /// </summary>
    public static Task<Milter> OpenDkimVerifyingAsync(string work, string authservId, (string Name, string Record) key)
    {
        var keys = Path.Combine(Directory.CreateDirectory(work).FullName, "public-keys");
        File.WriteAllText(keys, $"{key.Name} {key.Record}\n");
        return StartAsync(work, "opendkim", "verify", null, port => $"""
            Mode v
            AuthservID {authservId}
            TestPublicKeys {keys}
            Socket inet:{port}@127.0.0.1
            Background no
            Syslog no
            """);
    }

    /// <summary>OpenDMARC refusing what a domain's p=reject refuses, trusting OpenDKIM's results under <paramref name="authservId"/>.</summary>
    public static Task<Milter> OpenDmarcAsync(string work, IPEndPoint dns, string authservId)
    {
        // OpenDMARC leaves mail from 127.0.0.1 alone unless told otherwise.
        var ignored = Path.Combine(Directory.CreateDirectory(work).FullName, "opendmarc-ignore-hosts");
        File.WriteAllText(ignored, "192.0.2.1\n");
        return StartAsync(work, "opendmarc", "dmarc", dns, port => $"""
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
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }

    private static async Task<Milter> StartAsync(string work, string program, string name, IPEndPoint? dns, Func<int, string> config)
    {
        var port = FreePort.On(IPAddress.Loopback);
        var file = Path.Combine(work, $"{name}.conf");
        await File.WriteAllTextAsync(file, config(port) + "\n");
        var resolv = Path.Combine(work, $"{name}.resolv.conf");
        await File.WriteAllTextAsync(resolv, $"nameserver {dns?.Address ?? IPAddress.Loopback}\n");
        var process = await LaunchAsync(work, name, port, "unshare",
            ["--mount", "--propagation", "private", "sh", "-c", $"mount --bind {resolv} /etc/resolv.conf && exec /usr/sbin/{program} -f {(program == "opendkim" ? "-x" : "-c")} {file}"]);
        return new Milter(process, port);
    }

    private static async Task<ManagedProcess> LaunchAsync(string work, string name, int port, string executable, string[] arguments)
    {
        var process = ManagedProcess.StartExecutable(executable, arguments, Path.Combine(work, $"{name}.log"));
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        await Wait.UntilAsync(() => FreePort.Accepts(endpoint), $"{name} listens on {endpoint}");
        return process;
    }
}
