using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Tests.Fixtures;

/// <summary>
/// Cluster certificates as <c>certificates:</c> entries, each with its key and a chain of three
/// RSA-4096 intermediates (about 7 KB each): snapshots of a chosen size.
/// </summary>
internal static class ChainedCertificates
{
    public static List<Dictionary<string, object>> Create(int count)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = RSA.Create(4096);
        var issuerKey = rootKey;
        var rootRequest = new CertificateRequest("CN=Large Snapshot Root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var issuer = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        var chain = new List<string>();
        var keys = new List<RSA> { rootKey };
        for (var i = 1; i <= 3; i++)
        {
            var key = RSA.Create(4096);
            keys.Add(key);
            var request = new CertificateRequest($"CN=Large Snapshot Intermediate {i}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            var intermediate = request.Create(issuer, now.AddDays(-1), now.AddYears(4), Guid.NewGuid().ToByteArray());
            chain.Insert(0, intermediate.ExportCertificatePem());
            issuer = intermediate.CopyWithPrivateKey(key);
            issuerKey = key;
        }

        var certificates = new List<Dictionary<string, object>>();
        for (var i = 0; i < count; i++)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=leaf-{i}.example.test", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName($"leaf-{i}.example.test");
            request.CertificateExtensions.Add(names.Build());
            using var leaf = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1), now.AddDays(-1), now.AddYears(1), BitConverter.GetBytes(i + 1000));
            certificates.Add(new Dictionary<string, object>
            {
                ["name"] = $"leaf-{i}",
                ["certificate_pem"] = leaf.ExportCertificatePem(),
                ["intermediates_pem"] = chain,
                ["private_key_pem"] = key.ExportPkcs8PrivateKeyPem(),
            });
        }

        foreach (var key in keys)
        {
            key.Dispose();
        }

        return certificates;
    }
}
