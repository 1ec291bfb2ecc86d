namespace Gatehouse.Cluster.Tests.Security;

/// <summary>The cluster CA publishes the certificates of removed nodes, for openssl and any other relying party.</summary>
public sealed class RevocationListTests
{
    [Fact]
    public async Task A_removed_nodes_certificate_is_on_the_CA_revocation_list_as_openssl_reads_it()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var m = cluster.Manager;
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "crl")).FullName;
        (await m.CliAsync("nodes", "remove", "node1")).Succeeded();

        var der = Path.Combine(work, "cluster-ca.crl");
        (await ManagedProcess.RunProgramAsync("curl", ["-s", "--fail", "--cacert", m.CaFile, "-o", der, new Uri(m.Url, "/cluster-ca.crl").ToString()])).Succeeded();
        await OpenSsl.OkAsync(work, "crl", "-inform", "DER", "-in", der, "-out", "crl.pem");

        var removed = await OpenSsl.RunAsync(work, ["verify", "-crl_check", "-CAfile", m.CaFile, "-CRLfile", "crl.pem", Path.Combine(cluster.Node("node1").DataDir, "tls", "node.crt")]);
        var member = await OpenSsl.RunAsync(work, ["verify", "-crl_check", "-CAfile", m.CaFile, "-CRLfile", "crl.pem", Path.Combine(cluster.Node("node2").DataDir, "tls", "node.crt")]);

        Assert.Contains("certificate revoked", removed.Output + removed.Error, StringComparison.Ordinal);
        Assert.Contains(": OK", member.Output, StringComparison.Ordinal);
    }
}
