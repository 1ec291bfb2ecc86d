using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>Where a certificate is used (CERT-9): listeners, outbound TLS, HTTPS interfaces, LDAP, web security.</summary>
internal static class CertificateUsers
{
    public static IEnumerable<string> In(LevelConfig config, string name)
    {
        foreach (var listener in config.Listeners.Where(l => l.Certificate == name))
        {
            yield return $"listener {listener.Name}";
        }

        foreach (var iface in config.IpInterfaces.Where(i => i.Https?.Certificate == name))
        {
            yield return $"HTTPS of interface {iface.Name}";
        }

        if (config.DestinationGlobal?.Certificate == name)
        {
            yield return "outbound TLS (destination controls global settings)";
        }

        if (config.LdapGlobal?.Certificate == name)
        {
            yield return "LDAP global settings";
        }

        if (config.Manager?.HttpsCertificate == name)
        {
            yield return "HTTPS of the manager (GUI and API)";
        }

        if (config.WebSecurity?.ClientCertificate == name)
        {
            yield return "web security client";
        }
    }

    /// <summary>
    /// Users left without a certificate if <paramref name="name"/> is deleted from the given
    /// level: every node whose effective configuration would then name a missing certificate.
    /// </summary>
    public static List<string> Stranded(ConfigurationSet set, string? machine, string name)
    {
        var without = set.Clone();
        var level = machine is null ? without.Cluster : without.Machines.GetValueOrDefault(machine) ?? new LevelConfig();
        level.Certificates.Remove(level.Certificates.Single(c => c.Name == name));
        var targets = machine is null ? without.Machines.Keys.Concat(without.Groups.Values.SelectMany(g => g.Members)).Distinct().Append("").ToList() : [machine];
        var users = new List<string>();
        foreach (var target in targets)
        {
            var effective = target.Length == 0 ? ConfigMerge.Merge(without.Cluster, new LevelConfig()).Config : ClusterConfig.NodeEffective.For(without, target).Config;
            if (effective.Certificates.Any(c => c.Name == name))
            {
                continue;
            }

            var where = target.Length == 0 ? "cluster level" : $"node {target}";
            users.AddRange(In(effective, name).Select(u => $"{u} ({where})"));
        }

        return users.Distinct(StringComparer.Ordinal).ToList();
    }
}
