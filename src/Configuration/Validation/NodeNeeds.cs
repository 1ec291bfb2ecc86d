using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Which secrets a node's effective configuration uses: the certificates it presents (listeners,
/// its HTTPS interfaces) or shows as a client (delivery, LDAP, the URL service, syslog), and the
/// LDAP profiles its listeners query, and the DKIM keys of the profiles when one of its mail flow
/// policies signs. A node is sent the private keys and passwords of these,
/// and of nothing else; the manager keeps the rest.
/// </summary>
public static class NodeNeeds
{
    public static IReadOnlySet<string> Certificates(LevelConfig c)
    {
        IEnumerable<string> names =
        [
            .. c.Listeners.Select(l => l.Certificate),
            .. c.IpInterfaces.Select(i => i.Https?.Certificate ?? ""),
            c.DestinationGlobal?.Certificate ?? "",
            c.LdapGlobal?.Certificate ?? "",
            c.System?.MailLog?.Syslog?.ClientCertificate ?? "",
            c.WebSecurity?.ClientCertificate ?? "",
        ];
        return names.Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    public static IReadOnlySet<string> LdapProfiles(LevelConfig c) =>
        c.Listeners.Select(l => l.LdapAcceptProfile).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);

    public static IReadOnlySet<string> SigningKeys(LevelConfig c) =>
        c.MailFlowPolicies.Any(p => p.DkimSign)
            ? c.DkimProfiles.Select(p => p.Key).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();
}
