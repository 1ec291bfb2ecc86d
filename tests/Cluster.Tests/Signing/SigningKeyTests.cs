using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Signing;

/// <summary>
/// DKIM signing keys through the CLI: a key OpenDKIM made and one openssl made are imported and
/// published with the very public key their own tools compute; a key the manager makes is one
/// openssl reads; what cannot sign is refused; no key reaches a node or a masked saveconfig.
/// </summary>
public sealed partial class SigningKeyTests
{
    [Fact]
    public async Task Keys_are_published_as_opendkim_and_openssl_compute_them_and_never_leave_the_manager()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var m = cluster.Manager;
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "signing")).FullName;

        // OpenDKIM's key (PKCS#1) and the record opendkim-genkey writes for it.
        (await ManagedProcess.RunProgramAsync("opendkim-genkey", ["-b", "2048", "-d", "example.test", "-s", "od", "-D", work])).Succeeded();
        (await m.CliAsync("signingkeys", "import", "opendkim", Path.Combine(work, "od.private"))).Succeeded();
        var record = (await m.CliAsync("signingkeys", "dns", "opendkim", "--domain", "example.test", "--selector", "od")).Succeeded().Output;
        Assert.StartsWith("od._domainkey.example.test. IN TXT \"v=DKIM1; k=rsa; p=", record, StringComparison.Ordinal);
        Assert.Equal(PublicKey(await File.ReadAllTextAsync(Path.Combine(work, "od.txt"))), PublicKey(record));
        Assert.All(Quoted().Matches(record), s => Assert.InRange(s.Groups[1].Value.Length, 1, 255));

        // openssl's Ed25519 key: p= is the raw 32-byte public key (RFC 8463).
        await OpenSsl.OkAsync(work, "genpkey", "-algorithm", "ed25519", "-out", "ed.pem");
        await OpenSsl.OkAsync(work, "pkey", "-in", "ed.pem", "-pubout", "-outform", "DER", "-out", "ed.pub");
        (await m.CliAsync("signingkeys", "import", "openssl-ed", Path.Combine(work, "ed.pem"), "--comment", "from openssl")).Succeeded();
        var edRecord = (await m.CliAsync("signingkeys", "dns", "openssl-ed", "--domain", "example.test", "--selector", "ed")).Succeeded().Output;
        Assert.Contains("\"v=DKIM1; k=ed25519; p=", edRecord, StringComparison.Ordinal);
        Assert.Equal(Convert.ToBase64String((await File.ReadAllBytesAsync(Path.Combine(work, "ed.pub")))[^32..]), PublicKey(edRecord));

        // A key the manager makes: openssl reads the published public key as RSA 3072.
        (await m.CliAsync("signingkeys", "new", "made", "--algorithm", "rsa-3072")).Succeeded();
        var made = PublicKey((await m.CliAsync("signingkeys", "dns", "made", "--domain", "example.test", "--selector", "s1")).Succeeded().Output);
        await File.WriteAllTextAsync(Path.Combine(work, "made.pub"), System.Security.Cryptography.PemEncoding.WriteString("PUBLIC KEY", Convert.FromBase64String(made)));
        Assert.Contains("Public-Key: (3072 bit)", await OpenSsl.OkAsync(work, "pkey", "-pubin", "-in", "made.pub", "-noout", "-text"), StringComparison.Ordinal);

        // What cannot sign, a name taken, a selector that is not a DNS label: refused, nothing staged.
        await OpenSsl.OkAsync(work, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem");
        var ec = await m.CliAsync("signingkeys", "import", "ec", Path.Combine(work, "ec.pem"));
        Assert.NotEqual(0, ec.ExitCode);
        Assert.Contains("RSA or Ed25519", ec.Output + ec.Error, StringComparison.Ordinal);
        var twice = await m.CliAsync("signingkeys", "new", "MADE", "--algorithm", "ed25519");
        Assert.Contains("exists", twice.Output + twice.Error, StringComparison.Ordinal);
        var badSelector = await m.CliAsync("signingkeys", "dns", "made", "--domain", "example.test", "--selector", "s1\"; p=x");
        Assert.NotEqual(0, badSelector.ExitCode);
        var list = (await m.CliAsync("signingkeys", "list")).Succeeded().Output;
        Assert.Equal(["made", "opendkim", "openssl-ed"], list.Split('\n').Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal));
        Assert.Matches(@"openssl-ed\s+ed25519\s+256\s+[0-9a-f]{16}\s+from openssl", list);

        // Committed: the node's applied configuration and a masked saveconfig hold no key.
        var version = await m.CommitAsync("signing keys");
        await cluster.Node("node1").WaitAppliedAsync(version);
        var applied = await File.ReadAllTextAsync(Path.Combine(cluster.Node("node1").DataDir, "state", "last-good.json"));
        Assert.DoesNotContain("signing_keys", applied, StringComparison.Ordinal);
        Assert.DoesNotContain("openssl-ed", applied, StringComparison.Ordinal);
        (await m.CliAsync("saveconfig", "--out", Path.Combine(work, "masked.yaml"))).Succeeded();
        var saved = await File.ReadAllTextAsync(Path.Combine(work, "masked.yaml"));
        Assert.Contains("openssl-ed", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", saved, StringComparison.Ordinal);

        (await m.CliAsync("signingkeys", "delete", "opendkim")).Succeeded();
        Assert.DoesNotContain("opendkim", (await m.CliAsync("signingkeys", "list")).Succeeded().Output, StringComparison.Ordinal);
    }

    // The p= of a record, however its strings are cut.
    private static string PublicKey(string record) =>
        Regex.Match(string.Concat(Quoted().Matches(record).Select(s => s.Groups[1].Value)), "p=([A-Za-z0-9+/=]+)").Groups[1].Value;

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Quoted();
}
