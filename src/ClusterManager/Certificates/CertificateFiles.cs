using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gatehouse.ClusterManager.ClusterConfig;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>Reads certificates as admins bring them: PEM (one or many), or DER, converted to PEM.</summary>
internal static class CertificateFiles
{
    public static List<X509Certificate2> ReadAll(byte[] content, string what)
    {
        var text = Encoding.ASCII.GetString(content);
        var found = new List<X509Certificate2>();
        try
        {
            if (!text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                found.Add(X509CertificateLoader.LoadCertificate(content));
                return found;
            }

            var rest = text.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                var label = rest[fields.Label];
                if (label.SequenceEqual("CERTIFICATE"))
                {
                    found.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
                }

                rest = rest[fields.Location.End..];
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw new ChangeRejectedException($"{what} is not a valid certificate: {e.Message}");
        }

        return found.Count > 0 ? found : throw new ChangeRejectedException($"{what} holds no certificate (PEM or DER expected)");
    }

    public static X509Certificate2 ReadOne(byte[] content, string what)
    {
        var all = ReadAll(content, what);
        return all.Count == 1 ? all[0] : throw new ChangeRejectedException($"{what} holds {all.Count} certificates; give the leaf alone and the intermediates separately");
    }

    public static string Describe(X509Certificate2 certificate) => certificate.Subject.Length > 0 ? certificate.Subject : certificate.Thumbprint;
}
