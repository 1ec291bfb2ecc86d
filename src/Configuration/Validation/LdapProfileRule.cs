using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Ldap;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// An LDAP profile the node can use (SVC-2): a server, a security mode, a base and an accept
/// query that parses for any address; a password only with a bind DN, never sent in clear.
/// </summary>
public sealed class LdapProfileRule : IConfigRule
{
    public const uint MaxTimeoutSeconds = 60;
    public const uint MaxCacheSeconds = 86_400;
    public const uint MaxConnections = 64;

    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var profile in config.Config.LdapProfiles)
        {
            var path = $"ldap_profiles[{profile.Name}]";
            if (profile.Host.Length == 0 || Uri.CheckHostName(profile.Host) == UriHostNameType.Unknown)
            {
                errors.Add($"{path}.host", profile.Host.Length == 0 ? "a server host is required" : $"'{profile.Host}' is not a host name or address");
            }

            if (profile.Port > 65535)
            {
                errors.Add($"{path}.port", $"{profile.Port} is not a TCP port (1-65535)");
            }

            if (profile.Security == LdapSecurity.Unspecified)
            {
                errors.Add($"{path}.security", "choose none, ldaps or starttls");
            }

            if (profile.BindPassword.Length > 0 && profile.BindDn.Length == 0)
            {
                errors.Add($"{path}.bind_password", "a password needs a bind DN");
            }

            if (profile.BindPassword.Length > 0 && profile.Security == LdapSecurity.None)
            {
                errors.Add($"{path}.security", "a bind password is never sent in clear: use ldaps or starttls");
            }

            if (profile.TimeoutSeconds > MaxTimeoutSeconds)
            {
                errors.Add($"{path}.timeout_seconds", $"at most {MaxTimeoutSeconds}");
            }

            if (profile.CacheSeconds > MaxCacheSeconds)
            {
                errors.Add($"{path}.cache_seconds", $"at most {MaxCacheSeconds}");
            }

            if (profile.MaxConnections > MaxConnections)
            {
                errors.Add($"{path}.max_connections", $"at most {MaxConnections}");
            }

            CheckQuery(errors, $"{path}.accept_query", profile.AcceptQuery);
        }
    }

    private static void CheckQuery(ValidationErrors errors, string path, string query)
    {
        if (query.Length == 0)
        {
            errors.Add(path, "an accept query such as (mail={a}) is required");
            return;
        }

        if (!query.Contains("{a}", StringComparison.Ordinal) && !query.Contains("{u}", StringComparison.Ordinal))
        {
            errors.Add(path, "the query must use the recipient: {a} (address) or {u} (local part)");
        }

        try
        {
            LdapFilter.Encode(LdapFilter.ForRecipient(query, "user@example.com"));
        }
        catch (FormatException e)
        {
            errors.Add(path, $"not an LDAP filter: {e.Message}");
        }
    }
}
