using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gatehouse.ClusterManager.ClusterConfig;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// A custom trusted CA list imported from a PEM bundle (CERT-8): each certificate must be a
/// CA, within its validity period, and listed once. Every problem is reported together.
/// </summary>
internal static class CaBundle
{
    public static List<string> Read(byte[] bundle, TimeProvider time)
    {
        var certificates = CertificateFiles.ReadAll(bundle, "the CA bundle");
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var index = 0;
        foreach (var certificate in certificates)
        {
            index++;
            var label = $"certificate {index} ({certificate.Subject})";
            var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
            {
                problems.Add($"{label} is not a CA certificate");
            }

            if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
            {
                problems.Add($"{label} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            }
            else if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
            {
                problems.Add($"{label} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}");
            }

            if (!seen.Add(certificate.Thumbprint))
            {
                problems.Add($"{label} is a duplicate");
            }
        }

        if (problems.Count > 0)
        {
            throw new ChangeRejectedException($"the CA bundle was not imported: {string.Join("; ", problems)}");
        }

        return certificates.Select(c => c.ExportCertificatePem()).ToList();
    }

    public static byte[] Write(IEnumerable<string> pems) => Encoding.ASCII.GetBytes(string.Join("", pems.Select(p => p.TrimEnd() + "\n")));
}
