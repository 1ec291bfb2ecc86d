using System.Net.Security;

namespace Gatehouse.Configuration.Tls;

/// <summary>
/// The TLS 1.2 cipher suites a policy may name, by the names <c>openssl ciphers -v</c> prints,
/// and the TLS 1.3 suites by their standard names. Suites without authentication, encryption or
/// a sound cipher are named apart, so that the commit says why it refuses them.
/// </summary>
public static class TlsCipherNames
{
    public static readonly IReadOnlyDictionary<string, TlsCipherSuite> Tls12 = new Dictionary<string, TlsCipherSuite>(StringComparer.Ordinal)
    {
        ["ECDHE-ECDSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ["ECDHE-RSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ["DHE-RSA-AES256-GCM-SHA384"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        ["ECDHE-ECDSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ["ECDHE-RSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["DHE-RSA-CHACHA20-POLY1305"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["ECDHE-ECDSA-AES256-CCM8"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
        ["ECDHE-ECDSA-AES256-CCM"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        ["DHE-RSA-AES256-CCM8"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CCM_8,
        ["DHE-RSA-AES256-CCM"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CCM,
        ["ECDHE-ECDSA-ARIA256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384,
        ["ECDHE-ARIA256-GCM-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384,
        ["DHE-RSA-ARIA256-GCM-SHA384"] = TlsCipherSuite.TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384,
        ["ECDHE-ECDSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ["ECDHE-RSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ["DHE-RSA-AES128-GCM-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        ["ECDHE-ECDSA-AES128-CCM8"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        ["ECDHE-ECDSA-AES128-CCM"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        ["DHE-RSA-AES128-CCM8"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CCM_8,
        ["DHE-RSA-AES128-CCM"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CCM,
        ["ECDHE-ECDSA-ARIA128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256,
        ["ECDHE-ARIA128-GCM-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256,
        ["DHE-RSA-ARIA128-GCM-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256,
        ["ECDHE-ECDSA-AES256-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
        ["ECDHE-RSA-AES256-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
        ["DHE-RSA-AES256-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
        ["ECDHE-ECDSA-CAMELLIA256-SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384,
        ["ECDHE-RSA-CAMELLIA256-SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384,
        ["DHE-RSA-CAMELLIA256-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256,
        ["ECDHE-ECDSA-AES128-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        ["ECDHE-RSA-AES128-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        ["DHE-RSA-AES128-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
        ["ECDHE-ECDSA-CAMELLIA128-SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256,
        ["ECDHE-RSA-CAMELLIA128-SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256,
        ["DHE-RSA-CAMELLIA128-SHA256"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256,
        ["ECDHE-ECDSA-AES256-SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        ["ECDHE-RSA-AES256-SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        ["DHE-RSA-AES256-SHA"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
        ["DHE-RSA-CAMELLIA256-SHA"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA,
        ["ECDHE-ECDSA-AES128-SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        ["ECDHE-RSA-AES128-SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        ["DHE-RSA-AES128-SHA"] = TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        ["DHE-RSA-CAMELLIA128-SHA"] = TlsCipherSuite.TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA,
        ["AES256-GCM-SHA384"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
        ["AES256-CCM8"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CCM_8,
        ["AES256-CCM"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CCM,
        ["ARIA256-GCM-SHA384"] = TlsCipherSuite.TLS_RSA_WITH_ARIA_256_GCM_SHA384,
        ["AES128-GCM-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
        ["AES128-CCM8"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CCM_8,
        ["AES128-CCM"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CCM,
        ["ARIA128-GCM-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_ARIA_128_GCM_SHA256,
        ["AES256-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256,
        ["CAMELLIA256-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256,
        ["AES128-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256,
        ["CAMELLIA128-SHA256"] = TlsCipherSuite.TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256,
        ["AES256-SHA"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA,
        ["CAMELLIA256-SHA"] = TlsCipherSuite.TLS_RSA_WITH_CAMELLIA_256_CBC_SHA,
        ["AES128-SHA"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
        ["CAMELLIA128-SHA"] = TlsCipherSuite.TLS_RSA_WITH_CAMELLIA_128_CBC_SHA,
    };

    public static readonly IReadOnlyDictionary<string, TlsCipherSuite> Tls13 = new Dictionary<string, TlsCipherSuite>(StringComparer.Ordinal)
    {
        ["TLS_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        ["TLS_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        ["TLS_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        ["TLS_AES_128_CCM_SHA256"] = TlsCipherSuite.TLS_AES_128_CCM_SHA256,
    };

    /// <summary>Why a suite of this name is never offered, or null when the name is not one of those.</summary>
    public static string? Refusal(string name) => name.ToUpperInvariant() switch
    {
        var n when n.Contains("EXP", StringComparison.Ordinal) => "export-grade suites are broken by design (FREAK, Logjam)",
        var n when n.Contains("NULL", StringComparison.Ordinal) => "NULL suites do not encrypt",
        var n when n.Contains("RC4", StringComparison.Ordinal) => "RC4 is prohibited in TLS (RFC 7465)",
        var n when n.StartsWith("ADH", StringComparison.Ordinal) || n.StartsWith("AECDH", StringComparison.Ordinal) || n.Contains("ANON", StringComparison.Ordinal)
            => "anonymous suites do not authenticate the server",
        var n when n.Contains("DES", StringComparison.Ordinal) => "DES and 3DES are broken (SWEET32)",
        var n when n.Contains("MD5", StringComparison.Ordinal) => "MD5 is broken",
        _ => null,
    };
}
