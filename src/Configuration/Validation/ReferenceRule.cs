using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>Every name that points at another entity names one that exists.</summary>
public sealed class ReferenceRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var c = config.Config;
        var certificates = Names(c.Certificates.Select(x => x.Name));
        var policies = Names(c.MailFlowPolicies.Select(x => x.Name));
        var groups = Names(c.SenderGroups.Select(x => x.Name));
        var interfaces = Names(c.IpInterfaces.Select(x => x.Name));
        var ldap = Names(c.LdapProfiles.Select(x => x.Name));
        var tls = Names(c.TlsPolicies.Select(x => x.Name));
        var scanners = Names(c.ContentScanners.Select(x => x.Name));

        foreach (var listener in c.Listeners)
        {
            var path = $"listeners[{listener.Name}]";
            Require(errors, $"{path}.interface", "IP interface", listener.Interface, interfaces, required: true);
            Require(errors, $"{path}.certificate", "certificate", listener.Certificate, certificates, required: false);
            Require(errors, $"{path}.default_policy", "mail flow policy", listener.DefaultPolicy, policies, required: false);
            Require(errors, $"{path}.ldap_accept_profile", "LDAP profile", listener.LdapAcceptProfile, ldap, required: false);
            Require(errors, $"{path}.tls_policy", "TLS policy", listener.TlsPolicy, tls, required: false);
            foreach (var group in listener.HostAccessTable)
            {
                Require(errors, $"{path}.host_access_table", "sender group", group, groups, required: true);
            }
        }

        foreach (var policy in c.MailFlowPolicies)
        {
            foreach (var scanner in policy.Scanners)
            {
                Require(errors, $"mail_flow_policies[{policy.Name}].scanners", "content scanner", scanner, scanners, required: true);
            }
        }

        foreach (var group in c.SenderGroups)
        {
            Require(errors, $"sender_groups[{group.Name}].policy", "mail flow policy", group.Policy, policies, required: true);
        }

        foreach (var iface in c.IpInterfaces)
        {
            Require(errors, $"ip_interfaces[{iface.Name}].https.certificate", "certificate", iface.Https?.Certificate ?? "", certificates, required: false);
            Require(errors, $"ip_interfaces[{iface.Name}].https.tls_policy", "TLS policy", iface.Https?.TlsPolicy ?? "", tls, required: false);
        }

        foreach (var control in c.DestinationControls)
        {
            Require(errors, $"destination_controls[{control.Domain}].tls_policy", "TLS policy", control.TlsPolicy, tls, required: false);
        }

        Require(errors, "destination_global.certificate", "certificate", c.DestinationGlobal?.Certificate ?? "", certificates, required: false);
        Require(errors, "ldap_global.certificate", "certificate", c.LdapGlobal?.Certificate ?? "", certificates, required: false);
        Require(errors, "system.mail_log.syslog.client_certificate", "certificate", c.System?.MailLog?.Syslog?.ClientCertificate ?? "", certificates, required: false);
        Require(errors, "manager.https_certificate", "certificate", c.Manager?.HttpsCertificate ?? "", certificates, required: false);
        Require(errors, "manager.tls_policy", "TLS policy", c.Manager?.TlsPolicy ?? "", tls, required: false);
        Require(errors, "web_security.client_certificate", "certificate", c.WebSecurity?.ClientCertificate ?? "", certificates, required: false);
    }

    private static HashSet<string> Names(IEnumerable<string> names) => new(names, StringComparer.Ordinal);

    private static void Require(
        ValidationErrors errors, string path, string kind, string name, HashSet<string> known, bool required)
    {
        if (name.Length == 0)
        {
            if (required)
            {
                errors.Add(path, $"a {kind} is required");
            }
        }
        else if (!known.Contains(name))
        {
            errors.Add(path, $"{kind} '{name}' does not exist");
        }
    }
}
