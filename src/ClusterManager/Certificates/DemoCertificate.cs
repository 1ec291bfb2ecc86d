using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// The self-signed certificate a fresh cluster holds (CERT-1): TLS works at once, but no
/// peer can verify it, and the entry says so.
/// </summary>
internal static class DemoCertificate
{
    public const string Name = "demo";

    public static Certificate Create(TimeProvider time)
    {
        using var key = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName("gatehouse.demo.invalid");
        subject.AddOrganizationName("Gatehouse demonstration certificate");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("gatehouse.demo.invalid");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage), Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage)],
            false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(3));
        return new Certificate
        {
            Name = Name,
            CertificatePem = certificate.ExportCertificatePem(),
            PrivateKeyPem = key.ExportPkcs8PrivateKeyPem(),
            Demo = true,
            Comment = "Demonstration certificate: self-signed and not verifiable by peers; replace it before production use",
        };
    }
}
