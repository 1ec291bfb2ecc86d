using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Tests.Runtime;

public sealed class NodeCertificateFilesTests : IDisposable
{
    private static readonly DateTimeOffset Issued = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string dataDir = Directory.CreateTempSubdirectory("gatehouse-node-cert-").FullName;
    private readonly ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 ca;

    public NodeCertificateFilesTests()
    {
        var request = new CertificateRequest("CN=test cluster CA", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        Directory.CreateDirectory(Path.Combine(dataDir, "tls"));
    }

    private NodePaths Paths => new(dataDir);

    [Theory]
    [InlineData(0, false)]
    [InlineData(486, false)]
    [InlineData(487, true)]
    [InlineData(729, true)]
    [InlineData(800, true)]
    public void Renewal_is_due_once_two_thirds_of_the_lifetime_have_passed(int daysAfterIssue, bool due)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=n1", key, HashAlgorithmName.SHA256).CreateSelfSigned(Issued, Issued.AddDays(730));

        Assert.Equal(due, Cluster.Membership.RenewalWindow.IsOpen(certificate, Issued.AddDays(daysAfterIssue)));
    }

    [Fact]
    public void A_certificate_for_another_key_or_without_client_use_is_not_installed()
    {
        var (key, _) = NodeCertificateFiles.NewRequest("n1");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Equal("the renewed certificate is not for the key this node sent", NodeCertificateFiles.Install(Paths, key, Sign(other, clientUse: true), ca));
        Assert.StartsWith("the renewed certificate does not chain to the cluster CA", NodeCertificateFiles.Install(Paths, key, Sign(key, clientUse: false), ca), StringComparison.Ordinal);
        Assert.False(File.Exists(Paths.Certificate));
        Assert.Null(NodeCertificateFiles.Install(Paths, key, Sign(key, clientUse: true), ca));
        Assert.True(File.Exists(Paths.Certificate) && File.Exists(Paths.Key));
    }

    [Fact]
    public void A_replacement_cut_short_leaves_a_matching_pair()
    {
        File.WriteAllText(Paths.Key, "old key");
        File.WriteAllText(Paths.Certificate, "old certificate");

        // Cut after the new key: the old pair stays.
        File.WriteAllText(Paths.Key + ".next", "new key");
        NodeCertificateFiles.FinishReplacement(Paths);
        Assert.Equal(("old key", "old certificate"), (File.ReadAllText(Paths.Key), File.ReadAllText(Paths.Certificate)));

        // Cut after both were written, and after the key was moved: the new pair goes in.
        File.WriteAllText(Paths.Key + ".next", "new key");
        File.WriteAllText(Paths.Certificate + ".next", "new certificate");
        NodeCertificateFiles.FinishReplacement(Paths);
        Assert.Equal(("new key", "new certificate"), (File.ReadAllText(Paths.Key), File.ReadAllText(Paths.Certificate)));
        File.WriteAllText(Paths.Key, "newer key");
        File.WriteAllText(Paths.Certificate + ".next", "newer certificate");
        NodeCertificateFiles.FinishReplacement(Paths);
        Assert.Equal(("newer key", "newer certificate"), (File.ReadAllText(Paths.Key), File.ReadAllText(Paths.Certificate)));
    }

    public void Dispose()
    {
        ca.Dispose();
        caKey.Dispose();
        Directory.Delete(dataDir, recursive: true);
    }

    private string Sign(ECDsa key, bool clientUse)
    {
        var request = new CertificateRequest("CN=n1", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [clientUse ? Cluster.Membership.PrivateTrust.ClientAuth : Cluster.Membership.PrivateTrust.ServerAuth], true));
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey),
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2), [1, 2, 3]);
        return issued.ExportCertificatePem();
    }
}
