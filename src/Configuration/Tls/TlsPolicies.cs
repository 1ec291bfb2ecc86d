using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Tls;

/// <summary>
/// What an endpoint's TLS offers under a policy: the protocols, and the suites in order; null
/// suites are the built-in default's, which OpenSSL has from <see cref="OpenSslDefaults"/>.
/// </summary>
public sealed record TlsOffer(string Policy, SslProtocols Protocols, CipherSuitesPolicy? Suites);

/// <summary>
/// Resolves the TLS policy an endpoint names into what SslStream is given. An empty name is the
/// policy named "default" when there is one, else the built-in default: TLS 1.2 and 1.3, TLS 1.2
/// with ECDHE and AEAD suites only (no CBC: LUCKY13 and its kind), every TLS 1.3 suite.
/// </summary>
public static class TlsPolicies
{
    public const string DefaultName = "default";

    public static readonly TlsPolicy BuiltInDefault = new()
    {
        Name = DefaultName,
        MinVersion = TlsVersion.Tls12,
        MaxVersion = TlsVersion.Tls13,
        Tls12CipherSuites =
        {
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        },
        Tls13CipherSuites = { "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256" },
    };

    // One offer per policy object: a snapshot's policies live as long as the snapshot.
    private static readonly ConditionalWeakTable<TlsPolicy, TlsOffer> Offers = [];

    /// <summary>The policy of this name among these (validated) policies; empty for the default.</summary>
    public static TlsPolicy Find(IEnumerable<TlsPolicy> policies, string name)
    {
        var wanted = name.Length == 0 ? DefaultName : name;
        return policies.FirstOrDefault(p => p.Name == wanted)
            ?? (wanted == DefaultName ? BuiltInDefault : throw new InvalidOperationException($"no TLS policy {name}"));
    }

    public static TlsOffer Offer(IEnumerable<TlsPolicy> policies, string name) => Offer(Find(policies, name));

    public static TlsOffer Offer(TlsPolicy policy) => Offers.GetValue(policy, Build);

    public static TlsVersion Min(TlsPolicy policy) => policy.MinVersion == TlsVersion.Unspecified ? TlsVersion.Tls12 : policy.MinVersion;

    public static TlsVersion Max(TlsPolicy policy) => policy.MaxVersion == TlsVersion.Unspecified ? TlsVersion.Tls13 : policy.MaxVersion;

    /// <summary>The TLS 1.2 suites the policy offers, its own or the default's.</summary>
    public static IEnumerable<string> Tls12Suites(TlsPolicy policy) =>
        policy.Tls12CipherSuites.Count > 0 ? policy.Tls12CipherSuites : BuiltInDefault.Tls12CipherSuites;

    public static IEnumerable<string> Tls13Suites(TlsPolicy policy) =>
        policy.Tls13CipherSuites.Count > 0 ? policy.Tls13CipherSuites : TlsCipherNames.Tls13.Keys;

    private static TlsOffer Build(TlsPolicy policy)
    {
        var (min, max) = (Min(policy), Max(policy));
        var protocols = SslProtocols.None;
        var suites = new List<TlsCipherSuite>();
        if (min <= TlsVersion.Tls13 && max >= TlsVersion.Tls13)
        {
            protocols |= SslProtocols.Tls13;
            suites.AddRange(Tls13Suites(policy).Select(n => TlsCipherNames.Tls13[n]));
        }

        if (min <= TlsVersion.Tls12 && max >= TlsVersion.Tls12)
        {
            protocols |= SslProtocols.Tls12;
            suites.AddRange(Tls12Suites(policy).Select(n => TlsCipherNames.Tls12[n]));
        }

        // Suites only where the policy names its own: a CipherSuitesPolicy costs session resumption.
        var named = !ReferenceEquals(policy, BuiltInDefault) && (policy.Tls12CipherSuites.Count > 0 || policy.Tls13CipherSuites.Count > 0);
        return new TlsOffer(policy.Name, protocols, named ? new CipherSuitesPolicy(suites) : null);
    }
}
