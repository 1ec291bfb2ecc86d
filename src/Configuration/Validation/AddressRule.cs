using System.Net;
using System.Net.Mail;
using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>Addresses, host names, domains and endpoints are well formed.</summary>
public sealed partial class AddressRule : IConfigRule
{
    private static void CheckHttps(ValidationErrors errors, string path, Cluster.V1.HttpsService https, IEnumerable<Cluster.V1.Listener> listeners)
    {
        if (https.Port is 0 or > 65535)
        {
            errors.Add($"{path}.https.port", $"{https.Port} is not a TCP port (1-65535)");
        }
        else if (listeners.FirstOrDefault(l => l.Port == https.Port) is { } clash)
        {
            errors.Add($"{path}.https.port", $"port {https.Port} is the SMTP port of listener {clash.Name}");
        }

        if (https.Certificate.Length == 0)
        {
            errors.Add($"{path}.https.certificate", "a certificate is required");
        }

        if (https.ReadToken.Length is > 0 and < 16)
        {
            errors.Add($"{path}.https.read_token", "at least 16 characters");
        }

        if (https.ReadToken.Length == 0 && !https.AcceptClientCertificates && !https.AnonymousRead)
        {
            errors.Warn($"{path}.https", "no read_token, client certificates or anonymous_read: /status and /metrics refuse every request");
        }
    }

    private static void CheckSyslog(ValidationErrors errors, Cluster.V1.SyslogTarget syslog)
    {
        const string path = "system.mail_log.syslog";
        if (!IsHostName(syslog.Host) && !IPAddress.TryParse(syslog.Host, out _))
        {
            errors.Add($"{path}.host", syslog.Host.Length == 0 ? "a syslog server is required" : $"'{syslog.Host}' is not a host name or address");
        }

        if (syslog.Port > 65535)
        {
            errors.Add($"{path}.port", $"{syslog.Port} is not a TCP port (1-65535)");
        }

        if (!syslog.Tls && syslog.ClientCertificate.Length > 0)
        {
            errors.Add($"{path}.client_certificate", "a client certificate needs tls: true");
        }

        if (!syslog.Tls)
        {
            errors.Warn($"{path}.tls", "the mail log (addresses, hosts) crosses the network in clear");
        }
    }

    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var c = config.Config;
        if (c.Hostname.Length > 0 && !IsHostName(c.Hostname))
        {
            errors.Add("hostname", $"'{c.Hostname}' is not a valid host name");
        }

        foreach (var iface in c.IpInterfaces)
        {
            var path = $"ip_interfaces[{iface.Name}]";
            if (!IPAddress.TryParse(iface.Address, out _))
            {
                errors.Add($"{path}.address", $"'{iface.Address}' is not an IP address");
            }

            if (iface.Hostname.Length > 0 && !IsHostName(iface.Hostname))
            {
                errors.Add($"{path}.hostname", $"'{iface.Hostname}' is not a valid host name");
            }

            if (iface.Https is { Enabled: true } https)
            {
                CheckHttps(errors, path, https, c.Listeners.Where(l => l.Interface == iface.Name));
            }
        }

        foreach (var recipient in c.AlertRecipients)
        {
            if (!MailAddress.TryCreate(recipient.Address, out _))
            {
                errors.Add($"alert_recipients[{recipient.Address}]", "is not an email address");
            }
        }

        if (c.System?.MailLog?.Syslog is { } syslog && (syslog.Host.Length > 0 || syslog.Port > 0 || syslog.Tls || syslog.ClientCertificate.Length > 0))
        {
            CheckSyslog(errors, syslog);
        }

        foreach (var server in c.System?.DnsServers ?? [])
        {
            if (!IPEndPoint.TryParse(server, out _))
            {
                errors.Add("system.dns_servers", $"'{server}' is not an IP address or IP:port");
            }
        }

        foreach (var destination in c.DestinationControls)
        {
            if (destination.Domain != "default" && !IsHostName(destination.Domain.TrimStart('.')))
            {
                errors.Add($"destination_controls[{destination.Domain}]", "is not a domain (or 'default')");
            }
        }

        foreach (var route in c.SmtpRoutes)
        {
            if (route.Hosts.Count == 0)
            {
                errors.Add($"smtp_routes[{route.Domain}].hosts", "at least one host is required");
            }

            foreach (var host in route.Hosts.Where(h => h.Host.Length == 0 || h.Port > 65535))
            {
                errors.Add($"smtp_routes[{route.Domain}].hosts", $"'{host.Host}:{host.Port}' is not a host and port");
            }
        }

        foreach (var group in c.SenderGroups)
        {
            foreach (var member in group.Members.Where(m => !SenderMember.IsValid(m)))
            {
                errors.Add($"sender_groups[{group.Name}].members", $"'{member}' is not an IP, CIDR, range, host name or .domain");
            }
        }
    }

    private static bool IsHostName(string name) => HostNameSyntax.IsValid(name);
}
