using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>Creates self-signed certificates (CERT-2) and signing requests for held keys (CERT-3, CERT-7).</summary>
internal static class CertificateFactory
{
    public static Certificate CreateSelfSigned(string name, CertificateSubject subject, KeySpec keySpec, int days, TimeProvider time)
    {
        using var key = keySpec.Create();
        var request = Request(subject.Build(), key);
        request.CertificateExtensions.Add(subject.SubjectAlternativeNames());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(days));
        return new Certificate
        {
            Name = name,
            CertificatePem = certificate.ExportCertificatePem(),
            PrivateKeyPem = PrivateKeys.ToPkcs8Pem(key),
        };
    }

    /// <summary>A PKCS#10 request with the certificate's subject and SANs, signed by <paramref name="key"/>.</summary>
    public static string CreateRequest(string certificatePem, AsymmetricAlgorithm key)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        var request = Request(certificate.SubjectName, key);
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension or X509KeyUsageExtension or X509EnhancedKeyUsageExtension)
            {
                request.CertificateExtensions.Add(extension);
            }
        }

        return request.CreateSigningRequestPem();
    }

    private static CertificateRequest Request(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, ecdsa.KeySize > 256 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256),
        _ => throw new ClusterConfig.ChangeRejectedException("only RSA and ECDSA keys are supported"),
    };

    private static readonly Oid ServerAuth = Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage);
    private static readonly Oid ClientAuth = Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage);
}
