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

    /// <summary>
    /// Every profile's key when a mail flow policy signs, the sealing profile's when one seals (ARC); and the keys that sign the node's own
    /// mail: TLS reports from their submitter, DMARC reports from their address, alerts from their
    /// sender (alert@HOSTNAME unless set).
    /// </summary>
    public static IReadOnlySet<string> SigningKeys(LevelConfig c)
    {
        var alertsFrom = c.AlertSettings?.FromAddress is { Length: > 0 } from ? from : $"alert@{c.Hostname}";
        var dmarcFrom = c.Manager?.DmarcReporting is { Enabled: true } dmarc ? dmarc.Email : "";
        string?[] ownDomains =
        [
            c.Manager?.TlsReporting is { Enabled: true } reporting ? reporting.Submitter : null,
            dmarcFrom[(dmarcFrom.LastIndexOf('@') + 1)..],
            alertsFrom[(alertsFrom.LastIndexOf('@') + 1)..],
        ];
        IEnumerable<Cluster.V1.DkimProfile> used = c.MailFlowPolicies.Any(p => p.DkimSign) ? c.DkimProfiles : [];
        var sealing = c.MailFlowPolicies.Select(p => p.Verify?.ArcSeal ?? "").Where(n => n.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);
        used = used.Concat(c.DkimProfiles.Where(p => sealing.Contains(p.Name)));
        used = used.Concat(ownDomains.OfType<string>().Where(d => d.Length > 0).Select(d => Dkim.DkimProfiles.For(c, d)).OfType<Cluster.V1.DkimProfile>());
        return used.Select(p => p.Key).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
    }
}
