using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Tests;

internal static class TestCertificates
{
    public static Certificate SelfSigned(string name, string commonName = "mx.example.com")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return new Certificate { Name = name, CertificatePem = certificate.ExportCertificatePem(), PrivateKeyPem = key.ExportPkcs8PrivateKeyPem() };
    }
}
