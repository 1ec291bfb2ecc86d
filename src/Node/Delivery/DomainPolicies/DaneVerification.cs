using System.Security.Cryptography.X509Certificates;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>
/// Authenticating a server by its TLSA records (RFC 7672 §3): a DANE-EE record matches the
/// server's own certificate, with no name or date checked; a DANE-TA record matches a
/// certificate the server sent in its chain, which must then validate from that anchor to the
/// server's certificate, whose name must be the MX host's.
/// </summary>
internal static class DaneVerification
{
    /// <summary>Null when a record authenticates the server; otherwise why none did.</summary>
    public static string? Problem(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> sent, IReadOnlyList<Tlsa> records, string host)
    {
        if (records.Any(r => r.Usage == Tlsa.DaneEe && r.Matches(leaf)))
        {
            return null;
        }

        foreach (var record in records.Where(r => r.Usage == Tlsa.DaneTa))
        {
            if (sent.Prepend(leaf).FirstOrDefault(record.Matches) is not { } anchor)
            {
                continue;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(anchor);
            chain.ChainPolicy.ExtraStore.AddRange(sent.ToArray());
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            // The anchor need not be a self-signed root: a TA record may name an intermediate.
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
            if (chain.Build(leaf) && chain.ChainElements.Any(e => e.Certificate.RawData.AsSpan().SequenceEqual(anchor.RawData)))
            {
                return HostNames.Matches(leaf, host) ? null : $"DANE-TA chain verified but the certificate names {string.Join(", ", HostNames.Of(leaf))}, not {host}";
            }
        }

        return $"no TLSA record of {host} ({string.Join("; ", records)}) matches the certificate {leaf.Subject}";
    }
}
