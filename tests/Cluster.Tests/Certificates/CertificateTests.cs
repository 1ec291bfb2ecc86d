using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Tests.Certificates;

/// <summary>SPEC section 2 through the CLI, with the real openssl on the other side.</summary>
public sealed class CertificateTests
{
    [Fact]
    public async Task The_CA_round_trip_ends_with_every_node_listener_presenting_leaf_and_intermediate()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var work = Work(cluster);
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var m = cluster.Manager;

        (await m.CliAsync("certconfig", "new", "web", "--cn", "mx1.example.com", "--org", "Example SL", "--unit", "Mail", "--city", "Madrid",
            "--state", "Madrid", "--country", "ES", "--san", "mx1.example.com", "--san", "mx2.example.com", "--days", "90", "--key", "ecdsa-p256")).Succeeded();
        var csr = Path.Combine(work, "web.csr");
        (await m.CliAsync("certconfig", "csr", "web", "--out", csr)).Succeeded();
        var request = await OpenSsl.OkAsync(work, "req", "-in", csr, "-noout", "-text", "-verify");
        Assert.Contains("CN = mx1.example.com", request, StringComparison.Ordinal);
        Assert.Contains("C = ES", request, StringComparison.Ordinal);
        Assert.Contains("DNS:mx1.example.com, DNS:mx2.example.com", request, StringComparison.Ordinal);
        var signed = await ca.SignAsync(csr, "web.crt");

        var upload = (await m.CliAsync("certconfig", "upload", "web", "--cert", signed, "--intermediates", ca.IntermediateCertificate)).Succeeded();
        var version = await m.CommitAsync("CA-signed certificate for web");

        Assert.Contains("Uploaded the signed certificate for web", upload.Output, StringComparison.Ordinal);
        foreach (var node in cluster.Nodes)
        {
            await node.WaitAppliedAsync(version);
            var applied = await File.ReadAllTextAsync(Path.Combine(node.DataDir, "state", "last-good.json"));
            Assert.Contains(OneLine(await File.ReadAllTextAsync(ca.IntermediateCertificate)), OneLine(applied), StringComparison.Ordinal);
        }

        var list = (await m.CliAsync("certconfig", "list")).Succeeded().Output;
        var row = list.Split('\n').Single(l => l.StartsWith("web ", StringComparison.Ordinal));
        Assert.Contains("CN=Test Intermediate CA", row, StringComparison.Ordinal);
        Assert.Matches(@"\s(29|30)\s", row);

        // Select it on a listener of every node: each presents leaf + intermediate to openssl.
        var endpoints = new Dictionary<string, System.Net.IPEndPoint>();
        foreach (var node in cluster.Nodes)
        {
            var endpoint = new System.Net.IPEndPoint(node.Address, FreePort.On(node.Address));
            endpoints[node.Name] = endpoint;
            (await m.LoadConfigAsync($$$"""
                ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.com}]
                listeners: [{name: In, type: public, interface: Data1, port: {{{endpoint.Port}}}, certificate: web, default_policy: ACCEPTED}]
                """, machine: node.Name, merge: true)).Succeeded();
        }

        var withListeners = await m.CommitAsync("web on the listeners");
        foreach (var node in cluster.Nodes)
        {
            await node.WaitAppliedAsync(withListeners);
            await Wait.UntilAsync(() => FreePort.Accepts(endpoints[node.Name]), $"{node.Name} listens");
            var shown = await OpenSsl.RunAsync(work, ["s_client", "-starttls", "smtp", "-connect", endpoints[node.Name].ToString(), "-showcerts",
                "-CAfile", ca.RootCertificate, "-verify_hostname", "mx1.example.com"], input: "QUIT\r\n");
            Assert.Equal(2, shown.Output.Split("-----BEGIN CERTIFICATE-----").Length - 1);
            Assert.Contains("Verify return code: 0 (ok)", shown.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_exported_PKCS12_is_AES_256_and_opens_in_openssl()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Work(cluster);
        var password = Path.Combine(work, "password");
        await File.WriteAllTextAsync(password, "export-secret-1\n");
        var p12 = Path.Combine(work, "demo.p12");

        (await cluster.Manager.CliAsync("certconfig", "export", "demo", "--out", p12, "--password-file", password)).Succeeded();

        var info = await OpenSsl.RunAsync(work, ["pkcs12", "-in", p12, "-passin", $"file:{password}", "-info", "-nodes"]);
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("PBES2, PBKDF2, AES-256-CBC", info.Error, StringComparison.Ordinal);
        Assert.Contains("BEGIN PRIVATE KEY", info.Output, StringComparison.Ordinal);
        Assert.Contains("subject=O = Gatehouse demonstration certificate, CN = gatehouse.demo.invalid", info.Output, StringComparison.Ordinal);
        var wrong = await OpenSsl.RunAsync(work, ["pkcs12", "-in", p12, "-passin", "pass:nope", "-nokeys"]);
        Assert.NotEqual(0, wrong.ExitCode);
    }

    [Fact]
    public async Task PKCS12_files_made_by_openssl_import_modern_and_legacy()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Work(cluster);
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var (certificate, key) = await ca.IssueAsync("mx.example.com", "leaf");
        var password = Path.Combine(work, "password");
        await File.WriteAllTextAsync(password, "p12-secret\n");
        foreach (var (name, legacy) in new[] { ("modern", false), ("legacy", true) })
        {
            var p12 = Path.Combine(work, $"{name}.p12");
            string[] export = ["pkcs12", "-export", "-in", certificate, "-inkey", key, "-certfile", ca.IntermediateCertificate, "-out", p12, "-passout", "pass:p12-secret"];
            await OpenSsl.OkAsync(work, legacy ? [.. export, "-legacy"] : export);

            (await cluster.Manager.CliAsync("certconfig", "import", name, "--pkcs12", p12, "--password-file", password)).Succeeded();
        }

        await cluster.Manager.CommitAsync("imported");
        var rows = (await cluster.Manager.Http.GetJsonAsync("api/v1/certificates")).AsArray();
        foreach (var name in new[] { "modern", "legacy" })
        {
            var row = rows.Single(r => (string?)r!["name"] == name)!;
            Assert.Equal("CN=mx.example.com", (string?)row["subject"]);
            Assert.Equal(1, (int)row["intermediates"]!);
        }
    }

    [Fact]
    public async Task PEM_keys_import_plain_PKCS8_encrypted_and_legacy_encrypted()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Work(cluster);
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var (certificate, key) = await ca.IssueAsync("mx.example.com", "leaf");
        var passphrase = Path.Combine(work, "passphrase");
        await File.WriteAllTextAsync(passphrase, "key-secret\n");
        await OpenSsl.OkAsync(work, "pkcs8", "-topk8", "-in", key, "-out", "pkcs8.key", "-passout", "pass:key-secret", "-v2", "aes-256-cbc");
        await OpenSsl.OkAsync(work, "rsa", "-in", key, "-out", "legacy.key", "-aes256", "-passout", "pass:key-secret", "-traditional");
        Assert.Contains("Proc-Type: 4,ENCRYPTED", await File.ReadAllTextAsync(Path.Combine(work, "legacy.key")), StringComparison.Ordinal);

        (await cluster.Manager.CliAsync("certconfig", "paste", "plain", "--cert", certificate, "--key", key)).Succeeded();
        (await cluster.Manager.CliAsync("certconfig", "paste", "pkcs8", "--cert", certificate, "--key", Path.Combine(work, "pkcs8.key"), "--passphrase-file", passphrase)).Succeeded();
        (await cluster.Manager.CliAsync("certconfig", "paste", "legacy", "--cert", certificate, "--key", Path.Combine(work, "legacy.key"), "--passphrase-file", passphrase)).Succeeded();

        Assert.Equal(2, await cluster.Manager.CommitAsync("three keys"));
    }

    [Fact]
    public async Task Bad_certificate_input_gets_a_clear_error_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Work(cluster);
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var other = await TestCa.CreateAsync(Path.Combine(work, "other"), "Other");
        var (certificate, key) = await ca.IssueAsync("mx.example.com", "leaf");
        var (_, otherKey) = await ca.IssueAsync("other.example.com", "otherleaf");
        await OpenSsl.OkAsync(work, "pkcs12", "-export", "-in", certificate, "-inkey", key, "-out", "good.p12", "-passout", "pass:right-one");
        var wrongPassword = Path.Combine(work, "wrong");
        await File.WriteAllTextAsync(wrongPassword, "wrong-one\n");
        var corrupt = Path.Combine(work, "corrupt.p12");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(work, "good.p12"));
        await File.WriteAllBytesAsync(corrupt, bytes[..(bytes.Length / 2)]);
        var m = cluster.Manager;
        (await m.CliAsync("certconfig", "new", "web", "--cn", "mx.example.com")).Succeeded();
        await m.CommitAsync("web");
        var csr = Path.Combine(work, "web.csr");
        (await m.CliAsync("certconfig", "csr", "web", "--out", csr)).Succeeded();
        var signed = await ca.SignAsync(csr, "web.crt");
        var expiredCa = Path.Combine(work, "expired-ca.pem");
        await File.WriteAllTextAsync(expiredCa, ExpiredCa());

        var cases = new (string[] Arguments, string Message)[]
        {
            (["certconfig", "import", "x", "--pkcs12", Path.Combine(work, "good.p12"), "--password-file", wrongPassword], "the PKCS#12 password is wrong"),
            (["certconfig", "import", "x", "--pkcs12", corrupt, "--password-file", wrongPassword], "not a readable PKCS#12 file"),
            (["certconfig", "paste", "x", "--cert", certificate, "--key", otherKey], "the private key does not sign this certificate"),
            (["certconfig", "upload", "web", "--cert", certificate], "the private key does not sign this certificate"),
            (["certconfig", "upload", "web", "--cert", signed, "--intermediates", other.IntermediateCertificate], "the chain does not link"),
            (["certconfig", "upload", "web", "--cert", signed, "--intermediates", await Concat(work, "wrong-order.pem", ca.RootCertificate, ca.IntermediateCertificate)], "the chain is out of order"),
            (["certconfig", "ca", "import", expiredCa], "expired on"),
            (["certconfig", "ca", "import", await Concat(work, "mixed.pem", ca.RootCertificate, certificate)], "is not a CA certificate"),
            (["certconfig", "ca", "import", await Concat(work, "twice.pem", ca.RootCertificate, ca.RootCertificate)], "is a duplicate"),
            (["certconfig", "new", "bad", "--cn", "mx.example.com", "--country", "XX"], "country 'XX' is not an ISO 3166 two-letter code"),
            (["certconfig", "new", "bad", "--cn", "mx.example.com", "--key", "dsa1024"], "key type 'dsa1024' is not one of"),
            (["certconfig", "delete", "demo"], "certificate 'demo' is in use and was not deleted; used by: outbound TLS"),
        };

        foreach (var (arguments, message) in cases)
        {
            var result = await m.CliAsync(arguments);
            Assert.True(result.ExitCode == 1, $"{string.Join(' ', arguments)} should fail: {result.Output}");
            Assert.Contains(message, result.Error, StringComparison.Ordinal);
            Assert.Contains("No pending changes", (await m.CliAsync("showchanges")).Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_duplicate_intermediate_is_dropped_and_reported()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Work(cluster);
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        (await cluster.Manager.CliAsync("certconfig", "new", "web", "--cn", "mx.example.com")).Succeeded();
        var csr = Path.Combine(work, "web.csr");
        (await cluster.Manager.CliAsync("certconfig", "csr", "web", "--out", csr)).Succeeded();
        var signed = await ca.SignAsync(csr, "web.crt");

        var result = (await cluster.Manager.CliAsync("certconfig", "upload", "web", "--cert", signed, "--intermediates",
            await Concat(work, "dup.pem", ca.IntermediateCertificate, ca.IntermediateCertificate))).Succeeded();

        Assert.Contains("note: dropped a duplicate certificate: CN=Test Intermediate CA", result.Output, StringComparison.Ordinal);
        var row = (await cluster.Manager.Http.GetJsonAsync("api/v1/certificates")).AsArray().Single(r => (string?)r!["name"] == "web")!;
        Assert.Equal(1, (int)row["intermediates"]!);
    }

    [Fact]
    public async Task A_machine_level_certificate_overrides_on_its_node_only_and_is_lost_on_removal()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var m = cluster.Manager;
        (await m.CliAsync("certconfig", "new", "web", "--cn", "cluster.example.com")).Succeeded();
        (await m.CliAsync("certconfig", "new", "web", "--cn", "node1.example.com", "--machine", "node1")).Succeeded();
        var version = await m.CommitAsync("web at both levels");
        var node1 = cluster.Node("node1");
        var node2 = cluster.Node("node2");
        await node1.WaitAppliedAsync(version);
        await node2.WaitAppliedAsync(version);

        Assert.Equal("node1.example.com", await AppliedCommonName(m, "node1"));
        Assert.Equal("cluster.example.com", await AppliedCommonName(m, "node2"));

        (await m.CliAsync("nodes", "remove", "node1", "--yes")).Succeeded();
        using (var limit = new CancellationTokenSource(Wait.DefaultTimeout))
        {
            await node1.Process.WaitForExitAsync(limit.Token);
        }

        (await node1.CliAsync("leave")).Succeeded();
        (await node1.JoinAsync(m, await m.CreateTokenAsync())).Succeeded();
        node1.Start();
        var latest = (await m.Http.GetJsonAsync("api/v1/history")).AsArray().Count;
        await node1.WaitAppliedAsync(latest);

        Assert.Equal("cluster.example.com", await AppliedCommonName(m, "node1"));
        var rows = (await m.Http.GetJsonAsync("api/v1/certificates")).AsArray();
        Assert.DoesNotContain(rows, r => ((string?)r!["level"] ?? "").StartsWith("machine", StringComparison.Ordinal));
        Assert.Contains(rows, r => (string?)r!["name"] == "web" && (string?)r["level"] == "cluster");
    }

    [Fact]
    public async Task A_commit_warns_while_the_demo_certificate_is_in_use()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        (await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: gw@example.com}", merge: true)).Succeeded();

        var commit = (await cluster.Manager.CliAsync("commit", "--comment", "still on demo")).Succeeded();

        Assert.Contains("warning: node1: destination_global.certificate: 'demo' is the demonstration certificate: peers cannot verify it", commit.Error, StringComparison.Ordinal);
        Assert.Equal("2", commit.LastLine);
    }

    private static async Task<string> AppliedCommonName(ManagerInstance manager, string node)
    {
        var json = (await manager.CliAsync("showconfig", "--machine", node, "--effective", "--json")).Succeeded().Output;
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var web = document.RootElement.GetProperty("config").GetProperty("certificates").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "web");
        using var certificate = X509Certificate2.CreateFromPem(web.GetProperty("certificate_pem").GetString());
        return certificate.GetNameInfo(X509NameType.SimpleName, false);
    }

    private static string ExpiredCa()
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=Expired Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(-1));
        return certificate.ExportCertificatePem();
    }

    private static async Task<string> Concat(string work, string name, params string[] files)
    {
        var path = Path.Combine(work, name);
        await File.WriteAllTextAsync(path, string.Concat(await Task.WhenAll(files.Select(f => File.ReadAllTextAsync(f)))));
        return path;
    }

    private static string Work(TestCluster cluster) => Directory.CreateDirectory(Path.Combine(cluster.Root, "work")).FullName;

    private static string OneLine(string text) => text.Replace("\\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
}

/// <summary>CERT-10: tlscheck inbound against MX records served by dnsmasq.</summary>
public sealed class TlsCheckTests
{
    [Fact]
    public async Task Tlscheck_inbound_says_whether_MX_host_interface_host_and_certificate_agree()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "work")).FullName;
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(cluster.Root, "dnsmasq.log"),
            [("example.test", "mx1.example.test", 10), ("other.test", "mx9.other.test", 10)]);
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var (certificate, key) = await ca.IssueAsync("mx1.example.test", "mx1");
        var m = cluster.Manager;
        (await m.CliAsync("certconfig", "paste", "mx1", "--cert", certificate, "--key", key, "--machine", "node1")).Succeeded();
        (await m.LoadConfigAsync($$"""
            hostname: mx1.example.test
            ip_interfaces: [{name: Data1, address: {{cluster.Node("node1").Address}}, hostname: mx1.example.test}]
            listeners: [{name: In, type: public, interface: Data1, port: 2525, certificate: mx1, default_policy: ACCEPTED}]
            """, machine: "node1", merge: true)).Succeeded();
        await m.CommitAsync("public listener");

        var good = await m.CliAsync("tlscheck", "inbound", "example.test", "--dns-server", dns.Endpoint.ToString());
        var bad = await m.CliAsync("tlscheck", "inbound", "other.test", "--dns-server", dns.Endpoint.ToString());

        Assert.Equal(0, good.ExitCode);
        Assert.Contains("Domain example.test: MX mx1.example.test (10)", good.Output, StringComparison.Ordinal);
        Assert.Contains("node1 listener In: interface host mx1.example.test, certificate 'mx1' names mx1.example.test", good.Output, StringComparison.Ordinal);
        Assert.Contains("Result: senders can verify TLS to example.test.", good.Output, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("interface host is an MX host: NO", bad.Output, StringComparison.Ordinal);
        Assert.Contains("will fail", bad.Output, StringComparison.Ordinal);
    }
}
