using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Gatehouse.Cluster.Tests.Web;

/// <summary>
/// SVC-1: the node's HTTPS on its interface, checked with curl, openssl s_client and the
/// Prometheus client library's own parser: health for anyone, status and metrics for the
/// token or a trusted client certificate only, and a new certificate after a commit without a restart.
/// </summary>
public sealed class NodeHttpsTests
{
    private const string Host = "status.node1.test";
    private const string Token = "read-0123456789abcdef";

    [Fact]
    public async Task The_node_serves_health_status_and_metrics_with_its_managed_certificate()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "https")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Status");
        var stranger = await TestCa.CreateAsync(Path.Combine(work, "stranger"), "Stranger");
        var first = await ca.IssueAsync(Host, "first");
        var second = await ca.IssueAsync(Host, "second");
        var reader = await ca.IssueAsync("monitor.example.test", "reader", ["extendedKeyUsage=clientAuth"]);
        var impostor = await stranger.IssueAsync("monitor.example.test", "impostor", ["extendedKeyUsage=clientAuth"]);
        var serverOnly = await ca.IssueAsync("monitor.example.test", "server-only", ["extendedKeyUsage=serverAuth"]);
        var other = await ca.IssueAsync("other.example.test", "other", ["extendedKeyUsage=clientAuth"]);
        var third = await ca.IssueAsync("third.example.test", "third", ["extendedKeyUsage=clientAuth"]);
        var trusted = await ca.TrustBundleAsync();
        var m = cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", trusted)).Succeeded();
        // The stranger's CA is one the cluster trusts for servers; it is not one the interface names for clients.
        (await m.CliAsync("certconfig", "ca", "import", stranger.RootCertificate)).Succeeded();
        var clientCas = JsonSerializer.Serialize(await File.ReadAllTextAsync(trusted));
        (await m.CliAsync("certconfig", "paste", "web1", "--cert", await ca.ChainAsync(first.Certificate), "--key", first.Key)).Succeeded();
        (await m.CliAsync("certconfig", "paste", "web2", "--cert", await ca.ChainAsync(second.Certificate), "--key", second.Key)).Succeeded();
        var https = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        // Mail for example.test stays queued: its route refuses connections.
        var closed = FreePort.On(IPAddress.Loopback);
        (await m.LoadConfigAsync($$$"""
            ip_interfaces:
              - {name: Data1, address: {{{node.Address}}}, hostname: {{{Host}}},
                 https: {enabled: true, port: {{{https.Port}}}, certificate: web1, read_token: {{{Token}}}, accept_client_certificates: true, client_ca_pem: {{{clientCas}}}}}
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{closed}}}}]}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("node HTTPS"));
        await Wait.UntilAsync(() => FreePort.Accepts(https), "the node serves HTTPS");
        Assert.Equal(0, (await Swaks.SendAsync(smtp, "user@example.test")).ExitCode);
        Assert.NotEqual(0, (await Swaks.SendAsync(smtp, "user@elsewhere.test")).ExitCode);
        var pid = node.Process.Id;
        string[] curl = ["--cacert", trusted, "--resolve", $"{Host}:{https.Port}:{node.Address}"];
        var url = $"https://{Host}:{https.Port}";

        // Health for load balancers, with the chain verified by curl.
        Assert.Equal("200 ok", await GetAsync([.. curl, $"{url}/healthz"]));
        Assert.Equal("200 ready", await GetAsync([.. curl, $"{url}/readyz"]));

        // Status and metrics: refused without the token, in every spelling of the path.
        foreach (var path in new[] { "/metrics", "/METRICS", "/%6Detrics", "/metrics/", "/Status", "/status?x=1" })
        {
            Assert.Equal((path, "401"), (path, (await GetAsync([.. curl, url + path]))[..3]));
        }

        Assert.StartsWith("401", await GetAsync([.. curl, "-H", "Authorization: Bearer not-the-token-at-all", $"{url}/metrics"]), StringComparison.Ordinal);
        var exposition = (await GetAsync([.. curl, "-H", $"Authorization: Bearer {Token}", $"{url}/metrics"]))[4..];
        var samples = await ParseMetricsAsync(exposition);
        Assert.Contains("gatehouse_messages_accepted_total{listener=In} 1.0", samples);
        Assert.Contains("gatehouse_smtp_refused_total{listener=In,reason=relay_denied} 1.0", samples);
        Assert.Contains(samples, s => s.StartsWith("gatehouse_smtp_connections_total{listener=In} ", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.StartsWith("gatehouse_queue_messages ", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.StartsWith("gatehouse_queue_oldest_message_age_seconds ", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.StartsWith("gatehouse_certificate_days_left{certificate=web1} 29.0", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.StartsWith("gatehouse_config_version ", StringComparison.Ordinal));

        // A client certificate of the interface's CAs reads the status; one from elsewhere gets no handshake.
        var status = await GetAsync([.. curl, "--cert", reader.Certificate, "--key", reader.Key, $"{url}/status"]);
        Assert.StartsWith("200", status, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(status[4..]))
        {
            Assert.Equal(node.Status().AppliedVersion, json.RootElement.GetProperty("appliedVersion").GetInt64());
            Assert.True(json.RootElement.GetProperty("listeners")[0].GetProperty("bound").GetBoolean());
            Assert.Equal(1, json.RootElement.GetProperty("queue").GetProperty("domains")[0].GetProperty("recipients").GetInt32());
        }

        var refused = await ManagedProcess.RunProgramAsync("curl", ["-sS", .. curl, "--cert", impostor.Certificate, "--key", impostor.Key, $"{url}/status"]);
        Assert.NotEqual(0, refused.ExitCode);
        // Nor one of the trusted CA that is for servers only: it is no client's certificate.
        var serverUse = await ManagedProcess.RunProgramAsync("curl", ["-sS", .. curl, "--cert", serverOnly.Certificate, "--key", serverOnly.Key, $"{url}/status"]);
        Assert.NotEqual(0, serverUse.ExitCode);

        Assert.StartsWith("200", await GetAsync([.. curl, "--cert", third.Certificate, "--key", third.Key, $"{url}/status"]), StringComparison.Ordinal);

        // A commit changes the certificate and pins the readers by subject and by public key: the
        // next handshake shows the new certificate, the process stays the same, and only the pinned read.
        var before = await OpenSsl.PresentedSerialAsync(work, https, Host);
        var readerSubject = X509CertificateLoader.LoadCertificateFromFile(reader.Certificate).SubjectName.Name;
        var otherKey = Convert.ToBase64String(SHA256.HashData(X509CertificateLoader.LoadCertificateFromFile(other.Certificate).PublicKey.ExportSubjectPublicKeyInfo()));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces:
              - {name: Data1, address: {{{node.Address}}}, hostname: {{{Host}}},
                 https: {enabled: true, port: {{{https.Port}}}, certificate: web2, read_token: {{{Token}}}, accept_client_certificates: true, client_ca_pem: {{{clientCas}}},
                         client_subjects: ["{{{readerSubject}}}"], client_spki_sha256: ["{{{otherKey}}}"]}}
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("new HTTPS certificate, pinned readers"));
        var after = await OpenSsl.PresentedSerialAsync(work, https, Host);
        Assert.StartsWith("200", await GetAsync([.. curl, "--cert", reader.Certificate, "--key", reader.Key, $"{url}/status"]), StringComparison.Ordinal);
        Assert.StartsWith("200", await GetAsync([.. curl, "--cert", other.Certificate, "--key", other.Key, $"{url}/status"]), StringComparison.Ordinal);
        Assert.NotEqual(0, (await ManagedProcess.RunProgramAsync("curl", ["-sS", .. curl, "--cert", third.Certificate, "--key", third.Key, $"{url}/status"])).ExitCode);

        // The CA's revocation list names the reader: its certificate no longer reads, the other still does.
        var crl = await ca.RevokeAsync(reader.Certificate);
        var custom = JsonSerializer.Serialize(new[] { ca.RootCertificate, ca.IntermediateCertificate, stranger.RootCertificate }.Select(File.ReadAllText));
        (await m.LoadConfigAsync($"trusted_cas: {{system_bundle_enabled: true, custom_pem: {custom}, crl_pem: [{JsonSerializer.Serialize(await File.ReadAllTextAsync(crl))}]}}", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("the status readers' CA revokes the reader"));
        Assert.NotEqual(0, (await ManagedProcess.RunProgramAsync("curl", ["-sS", .. curl, "--cert", reader.Certificate, "--key", reader.Key, $"{url}/status"])).ExitCode);
        Assert.StartsWith("200", await GetAsync([.. curl, "--cert", other.Certificate, "--key", other.Key, $"{url}/status"]), StringComparison.Ordinal);

        Assert.Equal(await OpenSsl.SerialAsync(work, first.Certificate), before);
        Assert.Equal(await OpenSsl.SerialAsync(work, second.Certificate), after);
        Assert.Equal("200 ok", await GetAsync([.. curl, $"{url}/healthz"]));
        Assert.Equal(pid, node.Process.Id);
        Assert.False(node.Process.HasExited);
    }

    // "STATUS BODY" as curl got it.
    private static async Task<string> GetAsync(string[] arguments)
    {
        var result = await ManagedProcess.RunProgramAsync("curl", ["-sS", "-w", "\n%{http_code}", .. arguments]);
        result.Succeeded();
        var output = result.Output.TrimEnd();
        var split = output.LastIndexOf('\n');
        return $"{output[(split + 1)..]} {output[..Math.Max(split, 0)].Trim()}";
    }

    // Every sample as "name{label=value,...} value", read by the Prometheus client library's parser
    // (Debian's python3-prometheus-client, for the system's python3).
    private static async Task<IReadOnlyList<string>> ParseMetricsAsync(string exposition)
    {
        const string script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                    print(f"{s.name}{{{labels}}} {s.value}" if labels else f"{s.name} {s.value}")
            """;
        var parsed = (await ManagedProcess.RunProgramAsync("/usr/bin/python3", ["-c", script], exposition)).Succeeded();
        return parsed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
