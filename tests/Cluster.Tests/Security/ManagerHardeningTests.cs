using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// The manager's anonymous doors are rate limited, hostile files cost nothing, keys leave only
/// on the record, and the GUI's pages run no script but their own.
/// </summary>
public sealed partial class ManagerHardeningTests
{
    [Fact]
    public async Task Password_guessing_is_slowed_per_user_then_per_address()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        const string Password = "the-right-password-1";
        (await cluster.Manager.CliWithInputAsync($"{Password}\n{Password}\n", "users", "add", "admin")).Succeeded();
        using var gui = GuiBrowser.Open(cluster.Manager);

        var answers = new List<(HttpStatusCode Status, string Body)>();
        for (var i = 0; i < 12; i++)
        {
            answers.Add(await GuiBrowser.LoginAsync(gui, "admin", $"guess-{i}"));
            // As slowly as a careful guesser: the limits must hold over time, not only in a burst.
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        var right = await GuiBrowser.LoginAsync(gui, "admin", Password);

        // Five wrong guesses are answered as such, then the user is held back, then the address.
        Assert.All(answers.Take(5), a => Assert.Contains("The user name or password is not right", a.Body, StringComparison.Ordinal));
        Assert.All(answers.Skip(5), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.Status));
        Assert.Contains(answers.Skip(5), a => a.Body.Contains("Too many failed logins for this user", StringComparison.Ordinal));
        Assert.Contains(answers.Skip(5), a => a.Body.Contains("too many attempts from this address", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.Status);
    }

    [Fact]
    public async Task A_flood_of_guessed_join_tokens_is_cut_off_and_summarised_in_the_audit_log()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var parts = (await cluster.Manager.CreateTokenAsync()).Split('.');
        var node = cluster.NewNode("guesser");

        var results = new List<CommandResult>();
        for (var round = 0; round < 6; round++)
        {
            results.AddRange(await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                node.JoinAsync(cluster.Manager, $"gh1.{Convert.ToHexString(BitConverter.GetBytes(round * 4 + i)).ToLowerInvariant()}.{new string('0', 32)}.{parts[3]}"))));
        }

        Assert.All(results, r => Assert.NotEqual(0, r.ExitCode));
        Assert.Contains(results, r => r.Error.Contains("the join token is not valid", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Error.Contains("too many attempts from this address", StringComparison.Ordinal));
        var refusals = (await cluster.Manager.CliAsync("audit")).Output.Split('\n').Count(l => l.Contains("join refused", StringComparison.Ordinal));
        Assert.InRange(refusals, 1, 2);
        Assert.Empty(await cluster.Manager.NodesAsync());
    }

    [Theory]
    [InlineData("-legacy")]
    [InlineData("-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC", "-macalg", "sha256")]
    public async Task A_PKCS12_file_that_asks_for_more_key_derivation_than_dotnet_allows_is_refused(params string[] format)
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "p12")).FullName;
        await OpenSsl.OkAsync(work, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=slow.example.test", "-days", "30");
        await OpenSsl.OkAsync(work, ["pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-out", "slow.p12", "-passout", "pass:secret-1", "-iter", "700000", .. format]);
        var password = Path.Combine(work, "password");
        await File.WriteAllTextAsync(password, "secret-1\n");

        var result = await cluster.Manager.CliAsync("certconfig", "import", "slow", "--pkcs12", Path.Combine(work, "slow.p12"), "--password-file", password);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches("key-derivation iterations|import limits", result.Error);
        Assert.Equal(0, (await cluster.Manager.Http.GetJsonAsync("api/v1/changes"))["changes"]?.AsArray().Count ?? 0);
    }

    [Fact]
    public async Task Keys_leave_the_manager_only_on_the_record_and_a_renewal_key_never_reaches_a_node()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var m = cluster.Manager;
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "exports")).FullName;
        var password = Path.Combine(work, "password");
        await File.WriteAllTextAsync(password, "export-password-1\n");
        (await m.CliAsync("certconfig", "new", "web", "--cn", "web.example.test", "--country", "DE", "--key", "ecdsa-p256")).Succeeded();
        await m.CommitAsync("web certificate");

        (await m.CliAsync("saveconfig", "--out", Path.Combine(work, "plain.yaml"), "--keys", "plain")).Succeeded();
        (await m.CliAsync("certconfig", "export", "web", "--out", Path.Combine(work, "web.p12"), "--password-file", password)).Succeeded();
        (await m.CliAsync("certconfig", "renew", "web", "--new-key", "--out", Path.Combine(work, "web.csr"))).Succeeded();
        var version = await m.CommitAsync("renewal started");
        await cluster.Node("node1").WaitAppliedAsync(version);

        var audit = (await m.CliAsync("audit")).Output;
        Assert.Contains("exported with keys plain", audit, StringComparison.Ordinal);
        Assert.Contains("certificate web with its private key exported as PKCS#12", audit, StringComparison.Ordinal);
        var held = await File.ReadAllTextAsync(Path.Combine(cluster.Node("node1").DataDir, "state", "last-good.json"));
        Assert.Contains("web.example.test", DecodedCertificates(held), StringComparison.Ordinal);
        Assert.DoesNotContain("pending", held, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Pages_carry_a_policy_without_inline_script_and_names_with_markup_are_refused()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        using var gui = GuiBrowser.Open(cluster.Manager);

        using var page = await gui.GetAsync(new Uri("/login", UriKind.Relative));
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.StartsWith("max-age=", string.Join("", page.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.DoesNotMatch("<script>|<style>| on[a-z]+=", await page.Content.ReadAsStringAsync());

        var refused = await cluster.Manager.CliAsync("certconfig", "new", "x');alert(1);//", "--cn", "x.example.test");
        Assert.Contains("is not a valid certificate name", refused.Error, StringComparison.Ordinal);
        (await cluster.Manager.LoadConfigAsync("mail_flow_policies: [{name: \"<img src=x onerror=alert(1)>\", behavior: accept}]\n", merge: true)).Succeeded();
        var commit = await cluster.Manager.CliAsync("commit", "--comment", "markup");
        Assert.NotEqual(0, commit.ExitCode);
        Assert.Contains("is not allowed: use 1-128 letters, digits and . _ - + @", commit.Error + commit.Output, StringComparison.Ordinal);
    }

    // The subjects of the certificates a node holds, from the PEM in its snapshot.
    private static string DecodedCertificates(string snapshotJson) =>
        string.Join("\n", PemBlock().Matches(snapshotJson.Replace("\\n", "\n", StringComparison.Ordinal))
            .Select(m => X509Certificate2.CreateFromPem(m.Value).Subject));

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex PemBlock();
}
