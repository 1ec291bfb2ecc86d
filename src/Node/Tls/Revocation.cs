using System.Security.Cryptography.X509Certificates;
using Gatehouse.Configuration.Tls;

namespace Gatehouse.Node.Tls;

/// <summary>Whether an imported revocation list names a client's certificate or one of the CAs it came through.</summary>
internal static class Revocation
{
    /// <summary>Null when none does; otherwise which certificate is revoked, by whose list.</summary>
    public static string? Problem(X509Certificate2 presented, IEnumerable<X509Certificate2> chain, IReadOnlyList<RevocationList> lists)
    {
        if (lists.Count == 0)
        {
            return null;
        }

        foreach (var certificate in chain.Prepend(presented).DistinctBy(c => c.Thumbprint))
        {
            if (lists.FirstOrDefault(l => l.Revokes(certificate)) is { } list)
            {
                return $"certificate {certificate.SerialNumber} ({certificate.Subject}) is revoked by the list of {list.Issuer.Name}";
            }
        }

        return null;
    }
}
