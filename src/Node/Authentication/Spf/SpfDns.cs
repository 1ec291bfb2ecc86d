using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Gatehouse.Node.Authentication.Spf;

/// <summary>What a DNS query gave: its records (none for NXDOMAIN or an empty answer, a "void lookup"), or a failure.</summary>
internal sealed record DnsAnswer<T>(IReadOnlyList<T> Records, bool Failed = false)
{
    public static readonly DnsAnswer<T> Failure = new([], Failed: true);
}

/// <summary>The DNS queries SPF makes.</summary>
internal interface ISpfDns
{
    /// <summary>TXT records, each one's strings joined.</summary>
    Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancel);

    /// <summary>A records, or AAAA records when <paramref name="ipv6"/>.</summary>
    Task<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancel);

    /// <summary>The exchanges of the MX records.</summary>
    Task<DnsAnswer<string>> MxAsync(string name, CancellationToken cancel);

    /// <summary>The names the PTR records of <paramref name="address"/> give.</summary>
    Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancel);
}

/// <summary>SPF's queries asked of the node's resolvers: a server failure or a timeout is a failure, NXDOMAIN an empty answer.</summary>
internal sealed class SpfDns(LookupClient dns) : ISpfDns
{
    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancel) =>
        QueryAsync(name, QueryType.TXT, r => r.Answers.TxtRecords().Select(t => string.Concat(t.Text)), cancel);

    public Task<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancel) =>
        QueryAsync(name, ipv6 ? QueryType.AAAA : QueryType.A,
            r => ipv6 ? r.Answers.AaaaRecords().Select(a => a.Address) : r.Answers.ARecords().Select(a => a.Address), cancel);

    public Task<DnsAnswer<string>> MxAsync(string name, CancellationToken cancel) =>
        QueryAsync(name, QueryType.MX, r => r.Answers.MxRecords().Select(m => m.Exchange.Value.TrimEnd('.')), cancel);

    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancel) =>
        QueryAsync(address.GetArpaName(), QueryType.PTR, r => r.Answers.PtrRecords().Select(p => p.PtrDomainName.Value.TrimEnd('.')), cancel);

    private async Task<DnsAnswer<T>> QueryAsync<T>(string name, QueryType type, Func<IDnsQueryResponse, IEnumerable<T>> records, CancellationToken cancel)
    {
        try
        {
            var response = await dns.QueryAsync(name, type, QueryClass.IN, cancel);
            if (response.HasError)
            {
                return response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain ? new DnsAnswer<T>([]) : DnsAnswer<T>.Failure;
            }

            return new DnsAnswer<T>(records(response).ToList());
        }
        catch (Exception e) when (e is DnsResponseException or SocketException)
        {
            return DnsAnswer<T>.Failure;
        }
        catch (ArgumentException)
        {
            // A name DNS cannot carry (a label over 63 octets): nothing is there.
            return new DnsAnswer<T>([]);
        }
    }
}
