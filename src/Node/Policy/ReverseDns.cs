using System.Net;
using DnsClient;
using Gatehouse.Node.Dns;
using Microsoft.Extensions.Caching.Memory;

namespace Gatehouse.Node.Policy;

/// <summary>The client's host name from PTR, verified when its A/AAAA records lead back to the address.</summary>
internal sealed record ReverseName(string? Host, bool Verified)
{
    public static readonly ReverseName None = new(null, false);
}

/// <summary>
/// Reverse DNS for sender groups (IN-2), through the configured DNS servers, with a short
/// timeout and a cache so a slow resolver does not hold up every connection. The cache holds
/// at most <see cref="CacheEntries"/> addresses: clients from ever new addresses cannot grow it.
/// </summary>
internal sealed class ReverseDns(DnsClients dns) : IDisposable
{
    public const int CacheEntries = 10_000;
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CacheEntries, CompactionPercentage = 0.25 });

    public async Task<ReverseName> LookupAsync(IPAddress address, CancellationToken cancel)
    {
        if (cache.TryGetValue(address, out ReverseName? hit) && hit is not null)
        {
            return hit;
        }

        var name = await ResolveAsync(address, cancel);
        cache.Set(address, name, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheFor });
        return name;
    }

    public void Dispose() => cache.Dispose();

    private async Task<ReverseName> ResolveAsync(IPAddress address, CancellationToken cancel)
    {
        var lookup = dns.Current();
        try
        {
            var reverse = await lookup.QueryReverseAsync(address, cancel);
            var host = reverse.Answers.PtrRecords().FirstOrDefault()?.PtrDomainName.Value.TrimEnd('.');
            if (host is null)
            {
                return ReverseName.None;
            }

            var forward = await lookup.QueryAsync(host, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A, cancellationToken: cancel);
            var verified = forward.Answers.ARecords().Any(a => a.Address.Equals(address)) || forward.Answers.AaaaRecords().Any(a => a.Address.Equals(address));
            return new ReverseName(host, verified);
        }
        catch (DnsResponseException)
        {
            return ReverseName.None;
        }
    }
}
