using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>Node certificates renew themselves over the stream long before they end (CL-2, SEC).</summary>
public sealed class NodeCertificateRenewalTests
{
    [Fact]
    public async Task A_node_certificate_near_its_end_is_renewed_over_the_stream_and_the_node_keeps_following()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        await node.StopAsync();
        var certificatePath = Path.Combine(node.DataDir, "tls", "node.crt");
        var keyPath = Path.Combine(node.DataDir, "tls", "node.key");
        string oldSerial;
        using (var current = X509Certificate2.CreateFromPemFile(certificatePath, keyPath))
        {
            oldSerial = current.SerialNumber;
            // The same certificate — key, name, serial, issuer — as it looks with 30 days of two years left.
            await File.WriteAllTextAsync(certificatePath, Aged(current, cluster.Manager).ExportCertificatePem());
        }

        node.Start();

        await Wait.UntilAsync(() => SerialOf(certificatePath) != oldSerial, "the node holds a renewed certificate");
        using var renewed = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        Assert.True(renewed.NotAfter > DateTime.Now.AddDays(365), $"the renewed certificate ends {renewed.NotAfter}");
        Assert.Equal("CN=node1", renewed.Subject);
        var audit = (await cluster.Manager.CliAsync("audit")).Output;
        Assert.Contains($"node certificate {oldSerial} renewed as {renewed.SerialNumber}", audit, StringComparison.Ordinal);
        (await cluster.Manager.LoadConfigAsync("alert_settings: {from_address: renewed@example.com}", merge: true)).Succeeded();
        var version = await cluster.Manager.CommitAsync("after renewal");
        await node.WaitAppliedAsync(version);
        Assert.False(File.Exists(certificatePath + ".next"));
    }

    private static string SerialOf(string path)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        return certificate.SerialNumber;
    }

    private static X509Certificate2 Aged(X509Certificate2 current, ManagerInstance manager)
    {
        using var ca = X509Certificate2.CreateFromPemFile(manager.CaFile, Path.Combine(manager.DataDir, "ca", "ca.key"));
        using var caKey = ca.GetECDsaPrivateKey()!;
        var request = new CertificateRequest(current.SubjectName, current.GetECDsaPublicKey()!, HashAlgorithmName.SHA256);
        foreach (var extension in current.Extensions.Where(e => e is not X509AuthorityKeyIdentifierExtension))
        {
            request.CertificateExtensions.Add(extension);
        }

        var now = DateTimeOffset.UtcNow;
        // Signed directly: the cluster CA itself is younger than this certificate pretends to be.
        return request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-700), now.AddDays(30), current.GetSerialNumber().Reverse().ToArray());
    }
}
