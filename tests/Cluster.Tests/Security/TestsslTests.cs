using System.Net;
using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// testssl.sh, as an auditor runs it, against a node's SMTP listener (STARTTLS) and the
/// manager's HTTPS: no finding rated HIGH or CRITICAL. Both scans run at once (each takes
/// a minute or two); certificates come from a CA the scanner is told to trust.
/// </summary>
public sealed class TestsslTests
{
    private static readonly string[] Failing = ["HIGH", "CRITICAL", "FATAL"];

    [Fact]
    public async Task Neither_a_node_listener_nor_the_manager_has_a_high_or_critical_finding()
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
        (await m.LoadConfigAsync($$$"""
            hostname: mx1.example.test
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.test}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, certificate: mx1, default_policy: ACCEPTED, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("listener for testssl"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

        var scans = await Task.WhenAll(
            ScanAsync(work, "smtp", ca.RootCertificate, ["--starttls", "smtp", "--ip", smtp.Address.ToString(), $"mx1.example.test:{smtp.Port}"]),
            ScanAsync(work, "manager", m.CaFile, [$"{m.Endpoint.Address}:{m.Endpoint.Port}"]));

        foreach (var (name, findings) in scans)
        {
            Assert.True(findings.Count > 20, $"the {name} scan reported only {findings.Count} findings");
            var bad = findings.Where(f => Failing.Contains((string?)f["severity"])).Select(f => $"{f["severity"]} {f["id"]}: {f["finding"]}").ToList();
            Assert.True(bad.Count == 0, $"testssl.sh against {name}:\n{string.Join("\n", bad)}");
        }
    }

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
