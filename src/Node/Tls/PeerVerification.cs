using System.Security.Cryptography.X509Certificates;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.Node.Tls;

/// <summary>
/// Verifying a receiving server (OUT-4): the chain must end at an enabled trusted CA and be
/// within its validity period, and one certificate name (SANs, else CN; left-most wildcard)
/// must match the recipient domain, the MX host name or the SMTP route's host name.
/// </summary>
internal static class PeerVerification
{
    /// <summary>As below, for what a TLS validation callback receives.</summary>
    public static string? Problem(X509Certificate? presented, X509Chain? chain, X509Certificate2Collection trusted, IEnumerable<string> acceptableNames)
    {
        if (presented is null)
        {
            return "no certificate presented";
        }

        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return Problem(leaf, Sent(chain), trusted, acceptableNames);
    }

    /// <summary>The certificates a server sent with its own, as a TLS validation callback receives them.</summary>
    public static List<X509Certificate2> Sent(X509Chain? chain) =>
        chain is null ? [] : [.. chain.ChainElements.Select(e => e.Certificate).Concat(chain.ChainPolicy.ExtraStore.Cast<X509Certificate2>())];

    /// <summary>Null when verified; otherwise what failed, for the mail log.</summary>
    public static string? Problem(
        X509Certificate2 certificate, IEnumerable<X509Certificate2> sentWithIt, X509Certificate2Collection trusted, IEnumerable<string> acceptableNames)
    {
        if (TrustedCas.Problem(certificate, trusted, sentWithIt) is { } chain)
        {
            return $"certificate not trusted: {chain}";
        }

        var names = acceptableNames.Where(n => n.Length > 0).ToList();
        return names.Any(n => HostNames.Matches(certificate, n))
            ? null
            : $"certificate names {string.Join(", ", HostNames.Of(certificate))}, none of {string.Join(", ", names)}";
    }
}
