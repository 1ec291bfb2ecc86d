using System.Net;
using DnsClient;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Dns;

/// <summary>
/// The DNS client for the servers the configuration names (<c>system.dns_servers</c>), or
/// the host's resolvers; made again only when that list changes.
/// </summary>
internal sealed class DnsClients(CurrentConfig config)
{
    private (string Key, LookupClient Client)? current;
    private (string Key, LookupClient Client)? validating;

    public LookupClient Current() => Client(ref current, dnssec: false);

    /// <summary>
    /// The same servers, asked for DNSSEC (the DO bit): a validating resolver marks answers it
    /// validated with the AD bit, which DANE relies on — the servers are trusted to validate,
    /// as Postfix trusts its resolver.
    /// </summary>
    public LookupClient Validating() => Client(ref validating, dnssec: true);

    private LookupClient Client(ref (string Key, LookupClient Client)? cache, bool dnssec)
    {
        var servers = config.Snapshot?.Config.System?.DnsServers.ToList() ?? [];
        var key = string.Join(',', servers);
        if (cache is { } cached && cached.Key == key)
        {
            return cached.Client;
        }

        var endpoints = servers.Select(s => IPEndPoint.TryParse(s, out var e) ? new NameServer(e.Port == 0 ? new IPEndPoint(e.Address, 53) : e) : null)
            .OfType<NameServer>().ToArray();
        var options = endpoints.Length == 0 ? new LookupClientOptions() : new LookupClientOptions(endpoints);
        options.Timeout = TimeSpan.FromSeconds(2);
        options.Retries = 1;
        options.UseCache = true;
        options.ThrowDnsErrors = false;
        options.RequestDnsSecRecords = dnssec;
        var client = new LookupClient(options);
        cache = (key, client);
        return client;
    }
}
