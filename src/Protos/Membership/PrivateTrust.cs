using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Membership;

/// <summary>
/// Chain building against roots we name ourselves (the cluster CA, a trusted CA list), not the
/// operating system's store. Revocation is not checked: membership is the registry's job.
/// </summary>
public static class PrivateTrust
{
    /// <summary>TLS server: the manager. A certificate without it cannot pose as the manager.</summary>
    public static Oid ServerAuth => new("1.3.6.1.5.5.7.3.1");

    /// <summary>TLS client: a node. A certificate without it cannot pose as a node.</summary>
    public static Oid ClientAuth => new("1.3.6.1.5.5.7.3.2");

    /// <summary>
    /// Null when the certificate chains to one of the roots within its validity period (and,
    /// when a usage is named, carries that extended key usage); otherwise what is wrong.
    /// </summary>
    public static string? Problem(
        X509Certificate2 certificate, IEnumerable<X509Certificate2> roots, IEnumerable<X509Certificate2>? extra = null, Oid? usage = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange((extra ?? []).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (usage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(usage);
        }

        return chain.Build(certificate) ? null
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty("chain not valid").Distinct());
    }

    /// <summary>True when the certificate chains to the root and carries the extended key usage.</summary>
    public static bool Chains(X509Certificate2 certificate, Oid usage, X509Certificate2 root) =>
        Problem(certificate, [root], usage: usage) is null;
}
