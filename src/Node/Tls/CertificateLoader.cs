using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Node.Tls;

/// <summary>
/// Loads every certificate of a configuration for TLS use. A certificate that cannot be
/// loaded is an error, so the snapshot is refused (NACK) and the previous one stays (CERT-13).
/// One the node does not use comes without its key and is loaded for its dates only.
/// </summary>
internal static class CertificateLoader
{
    public static IReadOnlyDictionary<string, ServerCertificate> Load(LevelConfig config, ValidationErrors errors)
    {
        var loaded = new Dictionary<string, ServerCertificate>(StringComparer.Ordinal);
        foreach (var entry in config.Certificates)
        {
            try
            {
                var leaf = entry.PrivateKeyPem.Length == 0 ? X509Certificate2.CreateFromPem(entry.CertificatePem) : WithKey(entry);
                var intermediates = entry.IntermediatesPem.Select(p => X509Certificate2.CreateFromPem(p)).ToList();
                loaded[entry.Name] = new ServerCertificate(entry.Name, leaf, intermediates, entry.Demo);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                errors.Add($"certificates[{entry.Name}]", $"cannot be loaded for TLS: {e.Message}");
            }
        }

        return loaded;
    }

    private static X509Certificate2 WithKey(Certificate entry)
    {
        using var pem = X509Certificate2.CreateFromPem(entry.CertificatePem, entry.PrivateKeyPem);
        // A PKCS#12 round trip gives a key that SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
