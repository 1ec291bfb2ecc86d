using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Cluster.Tests.Nodes;

/// <summary>
/// A node of an earlier build says which settings it knows; a commit that would send it one it
/// does not is refused with the node's name, its version and the setting.
/// </summary>
public sealed class VersionSkewTests
{
    private const string Missing = "gatehouse.cluster.v1.HttpsService.client_ca_pem";

    [Fact]
    public async Task A_commit_using_a_setting_an_older_member_does_not_know_is_refused_naming_it_and_nodes_list_shows_each_version()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var m = cluster.Manager;
        var node = cluster.Node("node1");
        using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(m.CaFile);
        await using var older = new MemberNode("older", IPAddress.Parse("127.0.3.20"), m.Url, clusterCa);
        await older.JoinAsync(await m.CreateTokenAsync());
        var hello = new Hello { SoftwareVersion = "0.2.9" };
        hello.KnownSettings.AddRange(Configuration.Schema.SettingNames.Known.Where(s => s != Missing));
        await older.ConnectAsync(hello: hello);

        var listed = (await m.CliAsync("nodes", "list")).Succeeded().Output;
        Assert.Matches(@"(?m)^node1\s+connected\s+\d+\s+0\.3\.0(\+[0-9a-f]{7})?\s", listed);
        Assert.Matches(@"(?m)^older\s+connected\s+\d+\s+0\.2\.9\s", listed);

        // A setting both builds know goes through.
        (await m.LoadConfigAsync("alert_settings: {from_address: skew@example.com}", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("known to both"));

        // One the older build lacks: refused, with its name, the node and its version.
        var ca = await TestCa.CreateAsync(Path.Combine(cluster.Root, "readers"), "Readers");
        var pem = System.Text.Json.JsonSerializer.Serialize(await File.ReadAllTextAsync(ca.RootCertificate));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: 127.0.3.20, https: {enabled: true, port: 8443, certificate: demo, accept_client_certificates: true, client_ca_pem: {{{pem}}}}}]
            """, merge: true)).Succeeded();
        var refused = await m.CliAsync("commit", "--comment", "needs 0.3.0");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"node older runs gatehouse-node 0.2.9, which does not know this setting ({Missing})", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("node node1 runs", refused.Error, StringComparison.Ordinal);
    }
}
