using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Warnings about where certificates are used: the demo certificate anywhere (CERT-1), and a
/// listener or HTTPS interface whose certificate does not name the interface's host (CERT-10).
/// </summary>
public sealed class CertificateUseRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var c = config.Config;
        var certificates = c.Certificates.ToDictionary(x => x.Name, StringComparer.Ordinal);
        var interfaces = c.IpInterfaces.ToDictionary(x => x.Name, StringComparer.Ordinal);

        foreach (var listener in c.Listeners)
        {
            var host = interfaces.GetValueOrDefault(listener.Interface) is { } iface && iface.Hostname.Length > 0 ? iface.Hostname : c.Hostname;
            Check(errors, certificates, $"listeners[{listener.Name}].certificate", listener.Certificate, host);
        }

        foreach (var iface in c.IpInterfaces.Where(i => i.Https is { Enabled: true }))
        {
            Check(errors, certificates, $"ip_interfaces[{iface.Name}].https.certificate", iface.Https.Certificate, iface.Hostname.Length > 0 ? iface.Hostname : c.Hostname);
        }

        Check(errors, certificates, "destination_global.certificate", c.DestinationGlobal?.Certificate ?? "", host: "");
        Check(errors, certificates, "ldap_global.certificate", c.LdapGlobal?.Certificate ?? "", host: "");
        Check(errors, certificates, "web_security.client_certificate", c.WebSecurity?.ClientCertificate ?? "", host: "");
    }

    private static void Check(ValidationErrors errors, Dictionary<string, Certificate> certificates, string path, string name, string host)
    {
        if (!certificates.TryGetValue(name, out var entry))
        {
            return;
        }

        if (entry.Demo)
        {
            errors.Warn(path, $"'{name}' is the demonstration certificate: peers cannot verify it; install a CA-signed certificate");
        }

        if (host.Length == 0)
        {
            return;
        }

        try
        {
            using var certificate = X509Certificate2.CreateFromPem(entry.CertificatePem);
            if (!HostNames.Matches(certificate, host))
            {
                errors.Warn(path, $"certificate '{name}' names {string.Join(", ", HostNames.Of(certificate))}, not the interface host name {host}: peers that verify will refuse it");
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // CertificateRule reports unreadable certificates.
        }
    }
}
