using System.Globalization;

namespace Gatehouse.Harness;

/// <summary>
/// Verifying DKIM signatures with the verifiers admins know, their DNS asked of a test's
/// dnsmasq: dkimpy (Debian's python3-dkim) and OpenDKIM (<c>opendkim-testmsg</c>). Each says
/// "pass", or "fail" with what it printed.
/// </summary>
public static class DkimVerifiers
{
    // Debian's python, where apt put dkimpy (an interpreter of pyenv's would not have it).
    private const string Python = "/usr/bin/python3";

    // dkimpy's DNS questions go to the test's server (argv 1 and 2).
    private const string TxtFromTestDns = """
        import sys, dkim, dns.resolver
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [sys.argv[1]]
        resolver.port = int(sys.argv[2])
        def txt(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            try:
                answer = resolver.resolve(name, 'TXT', lifetime=timeout)
            except Exception:
                return None
            return b''.join(b''.join(r.strings) for r in answer)

        """;

    private const string DkimPyScript = TxtFromTestDns + """
        ok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=txt)
        print('pass' if ok else 'fail')
        sys.exit(0 if ok else 1)
        """;

    // The chain's validation (RFC 8617 section 5.2) as dkimpy finds it: pass, fail or none, and the last instance.
    private const string ArcPyScript = TxtFromTestDns + """
        cv, results, comment = dkim.arc_verify(sys.stdin.buffer.read(), dnsfunc=txt)
        # None: the chain could not be validated at all, which a receiver takes as fail.
        print(cv.decode() if cv else 'fail', len(results), comment)
        """;

    /// <summary>dkimpy's ARC chain validation: "pass N …" (N sets validated), "fail N reason" or "none 0 …".</summary>
    public static async Task<string> ArcPyAsync(string work, System.Net.IPEndPoint dns, string message) =>
        (await RunPyAsync(work, "dkimpy-arc-verify.py", ArcPyScript, dns, message)).Trim();

    public static async Task<string> DkimPyAsync(string work, System.Net.IPEndPoint dns, string message)
    {
        var said = await RunPyAsync(work, "dkimpy-verify.py", DkimPyScript, dns, message);
        return said.Trim() == "pass" ? "pass" : $"fail: {said.Trim()}";
    }

    private static async Task<string> RunPyAsync(string work, string name, string text, System.Net.IPEndPoint dns, string message)
    {
        var script = Path.Combine(work, name);
        await File.WriteAllTextAsync(script, text);
        var result = await ManagedProcess.RunProgramAsync(Python, [script, dns.Address.ToString(), dns.Port.ToString(CultureInfo.InvariantCulture)], CrLf(message));
        return result.Output + result.Error;
    }

    /// <summary>
    /// OpenDKIM reads its resolver from /etc/resolv.conf, which has no port: <paramref name="dns"/>
    /// must be on port 53. It runs in a mount namespace of its own whose resolv.conf names it.
    /// </summary>
    public static async Task<string> OpenDkimAsync(string work, System.Net.IPEndPoint dns, string message)
    {
        var resolv = Path.Combine(work, "resolv.conf");
        await File.WriteAllTextAsync(resolv, $"nameserver {dns.Address}\n");
        var result = await ManagedProcess.RunProgramAsync("unshare",
            ["--mount", "--propagation", "private", "sh", "-c", $"mount --bind {resolv} /etc/resolv.conf && exec /usr/sbin/opendkim-testmsg"], CrLf(message));
        var said = (result.Output + result.Error).Trim();
        return result.ExitCode == 0 && said.Length == 0 ? "pass" : $"fail: {said}";
    }

    private static string CrLf(string message) => message.ReplaceLineEndings("\r\n");
}
