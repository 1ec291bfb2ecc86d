using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Contract;

/// <summary>
/// Chain building against roots we name ourselves (the cluster CA, a trusted CA list), not the
/// operating system's store. Revocation is not checked: membership is the registry's job.
/// </summary>
public static class PrivateTrust
{
    /// <summary>Null when the certificate chains to one of the roots within its validity period; otherwise what is wrong.</summary>
    public static string? Problem(X509Certificate2 certificate, IEnumerable<X509Certificate2> roots, IEnumerable<X509Certificate2>? extra = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange((extra ?? []).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate) ? null
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).DefaultIfEmpty("chain not valid").Distinct());
    }

    public static bool Chains(X509Certificate2 certificate, params X509Certificate2[] roots) => Problem(certificate, roots) is null;
}
