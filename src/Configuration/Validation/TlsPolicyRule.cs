using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Tls;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// A TLS policy offers something, and only what is sound: known suite names, none without
/// encryption or authentication, a protocol range this platform serves, and no suite list for a
/// protocol outside the range (it would be accepted and never used).
/// </summary>
public sealed class TlsPolicyRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var policy in config.Config.TlsPolicies)
        {
            Check(policy, $"tls_policies[{policy.Name}]", errors);
        }

        var manager = config.Config.Manager?.TlsPolicy ?? "";
        if (manager.Length > 0 && config.SourceOf($"tls_policies[{manager}]") is { } level && level != ConfigLevel.Cluster)
        {
            errors.Add("manager.tls_policy", $"TLS policy {manager} must be defined at cluster level, where the manager reads it");
        }
    }

    private static void Check(TlsPolicy policy, string path, ValidationErrors errors)
    {
        foreach (var (field, version) in new[] { ("min_version", policy.MinVersion), ("max_version", policy.MaxVersion) })
        {
            if (version is TlsVersion.Tls10 or TlsVersion.Tls11)
            {
                errors.Add($"{path}.{field}", "TLS 1.0 and 1.1 are not served: OpenSSL 3 refuses their SHA-1 handshake signatures at its default security level");
            }
        }

        var (min, max) = (TlsPolicies.Min(policy), TlsPolicies.Max(policy));
        if (min > max)
        {
            errors.Add(path, "min_version is above max_version: the policy offers no protocol");
        }

        if (policy.Tls12CipherSuites.Count > 0 && min > TlsVersion.Tls12)
        {
            errors.Add($"{path}.tls12_cipher_suites", "are never used: the policy does not offer TLS 1.2");
        }

        if (policy.Tls13CipherSuites.Count > 0 && max < TlsVersion.Tls13)
        {
            errors.Add($"{path}.tls13_cipher_suites", "are never used: the policy does not offer TLS 1.3");
        }

        CheckNames(policy.Tls12CipherSuites, TlsCipherNames.Tls12, $"{path}.tls12_cipher_suites", "a TLS 1.2 suite as openssl ciphers -v names it", errors);
        CheckNames(policy.Tls13CipherSuites, TlsCipherNames.Tls13, $"{path}.tls13_cipher_suites", $"a TLS 1.3 suite ({string.Join(", ", TlsCipherNames.Tls13.Keys)})", errors);
    }

    private static void CheckNames<T>(IEnumerable<string> names, IReadOnlyDictionary<string, T> known, string path, string expected, ValidationErrors errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var shown = LevelShapeRule.Printable(name);
            if (TlsCipherNames.Refusal(name) is { } reason)
            {
                errors.Add(path, $"'{shown}' is refused: {reason}");
            }
            else if (!known.ContainsKey(name))
            {
                errors.Add(path, $"'{shown}' is not {expected}");
            }
            else if (!seen.Add(name))
            {
                errors.Add(path, $"'{shown}' is listed twice");
            }
        }
    }
}
