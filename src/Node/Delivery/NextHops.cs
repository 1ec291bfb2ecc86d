using DnsClient;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Delivery;

internal enum NextHopSource
{
    Route,
    Mx,
    ImplicitMx,
    Redirect,
}

/// <summary>One host to try for a domain, in the order to try it.</summary>
internal sealed record NextHop(string Host, int Port, int Preference, NextHopSource Source);

/// <summary>
/// Where mail for a domain goes (OUT-1): an SMTP route when one matches (exact domain, or a
/// <c>.domain</c> route for its subdomains); else the MX hosts in preference order; else the
/// domain itself (implicit MX). A null MX (RFC 7505) means the domain takes no mail. A
/// lookup that fails (server failure, timeout) throws <see cref="DnsResponseException"/>.
/// </summary>
internal static class NextHops
{
    public static async Task<IReadOnlyList<NextHop>> ResolveAsync(string domain, LevelConfig config, ILookupClient dns, CancellationToken cancel)
    {
        // A message the administrator redirected: "[host]:port", that host and nothing else.
        if (Redirect.Parse(domain) is { } redirect)
        {
            return [new NextHop(redirect.Host, redirect.Port, 0, NextHopSource.Redirect)];
        }

        if (Route(config, domain) is { } route)
        {
            return route.Hosts.OrderBy(h => h.Priority)
                .Select(h => new NextHop(h.Host, h.Port == 0 ? 25 : (int)h.Port, (int)h.Priority, NextHopSource.Route)).ToList();
        }

        var mx = await dns.QueryAsync(domain, QueryType.MX, cancellationToken: cancel);
        if (mx.HasError && mx.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            // A server failure says nothing about the domain; only NXDOMAIN or no records do.
            throw new DnsResponseException((DnsResponseCode)mx.Header.ResponseCode, mx.ErrorMessage);
        }

        var records = mx.Answers.MxRecords().OrderBy(r => r.Preference).ToList();
        if (records.Count == 1 && records[0].Exchange.Value is "." or "")
        {
            return [];
        }

        if (records.Count > 0)
        {
            return records.Select(r => new NextHop(r.Exchange.Value.TrimEnd('.'), 25, r.Preference, NextHopSource.Mx)).ToList();
        }

        var address = await dns.QueryAsync(domain, QueryType.A, cancellationToken: cancel);
        var address6 = await dns.QueryAsync(domain, QueryType.AAAA, cancellationToken: cancel);
        return address.Answers.ARecords().Any() || address6.Answers.AaaaRecords().Any()
            ? [new NextHop(domain, 25, 0, NextHopSource.ImplicitMx)]
            : [];
    }

    private static SmtpRoute? Route(LevelConfig config, string domain) => Model.DomainMatch.Find(config.SmtpRoutes, r => r.Domain, domain);
}
