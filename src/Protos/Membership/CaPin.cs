using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Membership;

/// <summary>
/// The pin of a cluster CA: SHA-256 of its SubjectPublicKeyInfo, lower-case hex. A join
/// token carries it so a node trusts only the manager whose CA matches (CL-2).
/// </summary>
public static class CaPin
{
    /// <summary>Where the manager serves its CA certificate (PEM) to nodes about to join.</summary>
    public const string WellKnownPath = "/cluster-ca.pem";

    public static string Of(X509Certificate2 certificate) =>
        Convert.ToHexStringLower(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    public static bool Matches(X509Certificate2 certificate, string pin) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(Of(certificate)),
            System.Text.Encoding.ASCII.GetBytes(pin.ToLowerInvariant()));
}
