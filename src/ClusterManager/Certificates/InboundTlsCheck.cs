using System.Net;
using System.Security.Cryptography.X509Certificates;
using DnsClient;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.Certificates;

internal sealed record MxHost(string Host, int Preference);

internal sealed record ListenerTlsCheck(
    string Node, string Listener, string InterfaceHost, string Certificate, IReadOnlyList<string> CertificateNames,
    bool InterfaceHostIsMx, bool CertificateNamesInterfaceHost, bool CaSigned, bool Verifiable);

internal sealed record InboundTlsReport(string Domain, IReadOnlyList<MxHost> MxHosts, bool ImplicitMx, IReadOnlyList<ListenerTlsCheck> Listeners)
{
    public bool Verifiable => Listeners.Count > 0 && Listeners.All(l => l.Verifiable);
}

/// <summary>
/// <c>tlscheck inbound DOMAIN</c> (CERT-10): a sender can verify inbound TLS only when the
/// domain's MX host name, the interface host name and the listener certificate's names
/// agree, and the certificate is CA-signed. Checked for every public listener of every node.
/// </summary>
internal sealed class InboundTlsCheck(ConfigurationService configuration, Store.IManagerStore store)
{
    public async Task<InboundTlsReport> RunAsync(string domain, string? dnsServer, CancellationToken cancel = default)
    {
        var set = await configuration.ReadStagedAsync(cancel);
        var (mx, implicitMx) = await LookupMxAsync(domain, dnsServer ?? set.Cluster.System?.DnsServers.FirstOrDefault(), cancel);
        var nodes = (await store.ListNodesAsync(cancel)).Select(n => n.Name).Union(set.Machines.Keys).Order(StringComparer.Ordinal);
        var checks = new List<ListenerTlsCheck>();
        foreach (var node in nodes)
        {
            var effective = ClusterConfig.NodeEffective.For(set, node).Config;
            foreach (var listener in effective.Listeners.Where(l => l.Type == ListenerType.Public))
            {
                checks.Add(Check(node, listener, effective, mx));
            }
        }

        return new InboundTlsReport(domain, mx, implicitMx, checks);
    }

    private static ListenerTlsCheck Check(string node, Listener listener, LevelConfig config, IReadOnlyList<MxHost> mx)
    {
        var iface = config.IpInterfaces.FirstOrDefault(i => i.Name == listener.Interface);
        var host = iface is { Hostname.Length: > 0 } ? iface.Hostname : config.Hostname;
        var entry = config.Certificates.FirstOrDefault(c => c.Name == listener.Certificate);
        IReadOnlyList<string> names = [];
        var caSigned = false;
        if (entry is not null)
        {
            using var certificate = X509Certificate2.CreateFromPem(entry.CertificatePem);
            names = HostNames.Of(certificate);
            caSigned = !entry.Demo && !certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
        }

        var hostIsMx = mx.Any(m => string.Equals(m.Host, host, StringComparison.OrdinalIgnoreCase));
        var namesHost = host.Length > 0 && names.Any(n => HostNames.Matches(n, host));
        return new ListenerTlsCheck(node, listener.Name, host, listener.Certificate, names, hostIsMx, namesHost, caSigned, hostIsMx && namesHost && caSigned);
    }

    private static async Task<(IReadOnlyList<MxHost> Hosts, bool Implicit)> LookupMxAsync(string domain, string? server, CancellationToken cancel)
    {
        var options = server is null ? new LookupClientOptions() : new LookupClientOptions(ParseServer(server));
        options.UseCache = false;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 1;
        var client = new LookupClient(options);
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(domain, QueryType.MX, cancellationToken: cancel);
        }
        catch (DnsResponseException e)
        {
            throw new ChangeRejectedException($"the MX lookup of {domain} failed: {e.Message}");
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new ChangeRejectedException($"the MX lookup of {domain} failed: {response.ErrorMessage}");
        }

        var hosts = response.Answers.MxRecords()
            .OrderBy(r => r.Preference)
            .Select(r => new MxHost(r.Exchange.Value.TrimEnd('.'), r.Preference))
            .ToList();
        // No MX: mail goes to the domain itself (RFC 5321 implicit MX).
        return hosts.Count > 0 ? (hosts, false) : ([new MxHost(domain, 0)], true);
    }

    private static NameServer ParseServer(string server) =>
        IPEndPoint.TryParse(server, out var endpoint)
            ? new NameServer(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint)
            : throw new ChangeRejectedException($"'{server}' is not a DNS server address (IP or IP:port)");
}
