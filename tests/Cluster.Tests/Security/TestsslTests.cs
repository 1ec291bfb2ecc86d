using System.Net;
using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// testssl.sh, as an auditor runs it, against a node's SMTP listener (STARTTLS), the node's
/// HTTPS and the manager's HTTPS, all under the default TLS policy: nothing rated above LOW, and
/// nothing LOW about protocols or ciphers (CBC suites, LUCKY13). The scans run at once (each
/// takes a minute or two); certificates come from a CA the scanner is told to trust.
/// </summary>
public sealed class TestsslTests
{
    private static readonly string[] Failing = ["MEDIUM", "HIGH", "CRITICAL", "FATAL"];

    [Fact]
    public async Task No_listener_node_HTTPS_or_manager_finding_is_above_LOW_and_none_about_ciphers()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var m = cluster.Manager;
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "testssl")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var (certificate, key) = await ca.IssueAsync("mx1.example.test", "mx1", ["crlDistributionPoints=URI:http://ca.example.test/intermediate.crl"], days: 365);
        var chain = Path.Combine(work, "mx1-chain.pem");
        await File.WriteAllTextAsync(chain, await File.ReadAllTextAsync(certificate) + await File.ReadAllTextAsync(ca.IntermediateCertificate));
        (await m.CliAsync("certconfig", "paste", "mx1", "--cert", chain, "--key", key)).Succeeded();
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var https = new IPEndPoint(node.Address, FreePort.On(node.Address));
        (await m.LoadConfigAsync($$$"""
            hostname: mx1.example.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.test, https: {enabled: true, port: {{{https.Port}}}, certificate: mx1}}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, certificate: mx1, default_policy: ACCEPTED, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("listener for testssl"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp) && FreePort.Accepts(https), "the listener and HTTPS accept");

        var scans = await Task.WhenAll(
            ScanAsync(work, "smtp", ca.RootCertificate, ["--starttls", "smtp", "--ip", smtp.Address.ToString(), $"mx1.example.test:{smtp.Port}"]),
            ScanAsync(work, "node-https", ca.RootCertificate, ["--ip", https.Address.ToString(), $"mx1.example.test:{https.Port}"]),
            ScanAsync(work, "manager", m.CaFile, [$"{m.Endpoint.Address}:{m.Endpoint.Port}"]));

        foreach (var (name, findings) in scans)
        {
            Assert.True(findings.Count > 20, $"the {name} scan reported only {findings.Count} findings");
            var bad = findings.Where(f => Failing.Contains((string?)f["severity"]) || ((string?)f["severity"] == "LOW" && AboutCiphers((string)f["id"]!)))
                .Select(f => $"{f["severity"]} {f["id"]}: {f["finding"]}").ToList();
            Assert.True(bad.Count == 0, $"testssl.sh against {name}:\n{string.Join("\n", bad)}");
        }
    }

    // The findings of the protocol, cipher and vulnerability sections a policy decides.
    private static bool AboutCiphers(string id) =>
        id.StartsWith("cipher", StringComparison.Ordinal) || id.StartsWith("SSLv", StringComparison.Ordinal) || id.StartsWith("TLS1", StringComparison.Ordinal)
        || id is "LUCKY13" or "SWEET32" or "BEAST" or "BEAST_CBC_TLS1" or "FS" or "FS_ciphers" or "RC4" or "LOGJAM" or "FREAK";

    private static async Task<(string Name, List<JsonNode> Findings)> ScanAsync(string work, string name, string trustedCa, string[] target)
    {
        var json = Path.Combine(work, $"{name}.json");
        var result = await ManagedProcess.RunProgramAsync("testssl",
            // Every check of the default run (protocols, ciphers, forward secrecy, defaults,
            // preferences, headers, vulnerabilities) but the client simulations, which rate nothing.
            ["--quiet", "--color", "0", "--warnings", "off", "--openssl-timeout", "10", "-p", "-s", "-f", "-S", "-P", "-h", "-U",
                "--add-ca", trustedCa, "--jsonfile", json, .. target],
            timeout: TimeSpan.FromMinutes(8));
        Assert.True(File.Exists(json), $"testssl.sh wrote no report ({result.ExitCode}): {result.Output}{result.Error}");
        var findings = JsonNode.Parse(await File.ReadAllTextAsync(json))!.AsArray().Select(f => f!).ToList();
        return (name, findings);
    }
}
