using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;
using Google.Protobuf;

namespace Gatehouse.Node.Tls;

/// <summary>
/// Loads every certificate of a configuration for TLS use. A certificate that cannot be
/// loaded is an error, so the snapshot is refused (NACK) and the previous one stays (CERT-13).
/// One the node does not use comes without its key and is loaded for its dates only.
/// </summary>
internal static class CertificateLoader
{
    // The certificates of the version in force, by their content: a version that does not change
    // a certificate reuses it as loaded (key import and chain context are most of a commit's cost
    // on a node). Only what the newest version holds is kept.
    private static readonly Lock Gate = new();
    private static Dictionary<string, ServerCertificate> loadedByContent = new(StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, ServerCertificate> Load(LevelConfig config, ValidationErrors errors)
    {
        var loaded = new Dictionary<string, ServerCertificate>(StringComparer.Ordinal);
        var byContent = new Dictionary<string, ServerCertificate>(StringComparer.Ordinal);
        Dictionary<string, ServerCertificate> previous;
        lock (Gate)
        {
            previous = loadedByContent;
        }

        foreach (var entry in config.Certificates)
        {
            var content = Content(entry);
            try
            {
                var certificate = previous.GetValueOrDefault(content) ?? new ServerCertificate(
                    entry.Name, entry.PrivateKeyPem.Length == 0 ? X509Certificate2.CreateFromPem(entry.CertificatePem) : WithKey(entry),
                    [.. entry.IntermediatesPem.Select(p => X509Certificate2.CreateFromPem(p))], entry.Demo);
                loaded[entry.Name] = byContent[content] = certificate;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                errors.Add($"certificates[{entry.Name}]", $"cannot be loaded for TLS: {e.Message}");
            }
        }

        if (errors.IsEmpty)
        {
            lock (Gate)
            {
                loadedByContent = byContent;
            }
        }

        return loaded;
    }

    // Everything a loaded certificate is made of, as one key (the key's text included: a new key is a new certificate).
    private static string Content(Certificate entry) =>
        Convert.ToHexString(SHA256.HashData(entry.ToByteArray()));

    private static X509Certificate2 WithKey(Certificate entry)
    {
        using var pem = X509Certificate2.CreateFromPem(entry.CertificatePem, entry.PrivateKeyPem);
        // A PKCS#12 round trip gives a key that SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
