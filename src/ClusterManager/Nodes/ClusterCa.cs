using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.Membership;
using Gatehouse.Configuration.Files;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// The cluster CA: signs node certificates at join and the manager's own TLS certificate.
/// Its key lives in <c>DATA/ca/ca.key</c>, readable by the manager's user only.
/// </summary>
internal sealed class ClusterCa : IDisposable
{
    private static readonly TimeSpan NodeCertificateLifetime = TimeSpan.FromDays(2 * 365);

    private ClusterCa(X509Certificate2 certificate) => Certificate = certificate;

    public X509Certificate2 Certificate { get; }

    public string Pin => CaPin.Of(Certificate);

    public string CertificatePem => Certificate.ExportCertificatePem();

    public static ClusterCa LoadOrCreate(string dataDir, TimeProvider time)
    {
        var certificatePath = Path.Combine(dataDir, "ca", "ca.crt");
        var keyPath = Path.Combine(dataDir, "ca", "ca.key");
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            return new ClusterCa(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(
            $"CN=Gatehouse cluster CA {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));
        AtomicFile.Write(keyPath, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), privateFile: true);
        AtomicFile.Write(certificatePath, System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()));
        return new ClusterCa(certificate);
    }

    /// <summary>A node's CSR, its signature checked; throws when it is not one.</summary>
    public static CertificateRequest ReadSigningRequest(string csrPem) =>
        CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);

    /// <summary>Signs a node's key for client use; the subject is set here, not taken from the request.</summary>
    public X509Certificate2 SignNode(CertificateRequest csr, string nodeName, TimeProvider time)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(nodeName);
        var request = new CertificateRequest(subject.Build(), csr.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([PrivateTrust.ClientAuth], true));
        var now = time.GetUtcNow();
        return request.Create(Certificate, now.AddMinutes(-5), now.Add(NodeCertificateLifetime), RandomSerial());
    }

    /// <summary>Where the manager publishes <see cref="RevocationList"/>; anonymous, like the CA certificate.</summary>
    public const string RevocationListPath = "/cluster-ca.crl";

    /// <summary>
    /// The CA's revocation list (DER): every removed node's certificate. Numbered by the time it
    /// is made, so a newer list always has the higher number.
    /// </summary>
    public byte[] RevocationList(IEnumerable<Manager.V1.RevokedCertificate> revoked, DateTimeOffset now)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in revoked)
        {
            builder.AddEntry(Convert.FromHexString(entry.Serial), entry.RevokedAt?.ToDateTimeOffset(), X509RevocationReason.CessationOfOperation);
        }

        return builder.Build(Certificate, new System.Numerics.BigInteger(now.ToUnixTimeSeconds()), now.AddDays(7), HashAlgorithmName.SHA256);
    }

    /// <summary>
    /// A TLS server certificate for the manager, valid for the given names and addresses, for
    /// server use only, naming the revocation list a client can check.
    /// </summary>
    public X509Certificate2 IssueServer(IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, Uri revocationList, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Gatehouse manager", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            names.AddDnsName(name);
        }

        foreach (var address in addresses.Distinct())
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([PrivateTrust.ServerAuth], true));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([revocationList.ToString()]));
        var now = time.GetUtcNow();
        using var issued = request.Create(Certificate, now.AddMinutes(-5), now.AddYears(1), RandomSerial());
        using var withKey = issued.CopyWithPrivateKey(key);
        // Reload so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>True when this CA issued the certificate to a node (client use only) and it is within its validity period.</summary>
    public bool IssuedToNode(X509Certificate2 certificate) => PrivateTrust.Chains(certificate, PrivateTrust.ClientAuth, Certificate);

    public void Dispose() => Certificate.Dispose();

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }
}
