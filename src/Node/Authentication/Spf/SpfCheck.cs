using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Gatehouse.Node.Authentication.Spf;

/// <summary>
/// check_host() of RFC 7208 for one SMTP transaction: whether <c>ip</c> may send mail for the
/// MAIL FROM domain (or the HELO name's postmaster when MAIL FROM is empty). The limits of
/// section 4.6.4 bound what one message costs: ten terms that query DNS per check, ten MX
/// names and ten PTR names per term, two queries that come back empty.
/// </summary>
internal sealed partial class SpfCheck
{
    private const int MaxLookups = 10;
    private const int MaxVoidLookups = 2;
    private const int MaxNames = 10;
    private readonly ISpfDns dns;
    private readonly IPAddress ip;
    private readonly SpfMacroValues values;
    private readonly CancellationToken cancel;
    private int lookups;
    private int voids;
    private string? validatedName;

    private SpfCheck(ISpfDns dns, IPAddress ip, SpfMacroValues values, CancellationToken cancel)
    {
        this.dns = dns;
        this.ip = ip;
        this.values = values with { ValidatedName = () => validatedName ?? "unknown" };
        this.cancel = cancel;
    }

    /// <param name="receiver">This host's name, for <c>%{r}</c> in explanations.</param>
    public static Task<SpfOutcome> CheckAsync(ISpfDns dns, IPAddress client, string helo, string mailFrom, string receiver, DateTimeOffset now, CancellationToken cancel)
    {
        var ip = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        var sender = mailFrom.Length == 0 ? $"postmaster@{helo}" : mailFrom;
        var at = sender.LastIndexOf('@');
        var local = at > 0 ? sender[..at] : "postmaster";
        var domain = at >= 0 ? sender[(at + 1)..] : sender;
        var values = new SpfMacroValues(ip, at > 0 ? sender : $"postmaster@{domain}", local, domain, helo, receiver, () => "unknown", now.ToUnixTimeSeconds());
        return new SpfCheck(dns, ip, values, cancel).CheckHostAsync(domain.TrimEnd('.'));
    }

    private async Task<SpfOutcome> CheckHostAsync(string domain)
    {
        if (!IsDomain(domain))
        {
            return new(SpfResult.None, $"{Shown(domain)} is not a domain name");
        }

        var answer = await dns.TxtAsync(domain, cancel);
        if (answer.Failed)
        {
            return new(SpfResult.TempError, $"DNS failed for {Shown(domain)}");
        }

        var records = answer.Records.Where(SpfRecord.IsSpf).ToList();
        if (records.Count != 1)
        {
            return records.Count == 0 ? new(SpfResult.None, $"{Shown(domain)} has no SPF record") : new(SpfResult.PermError, $"{Shown(domain)} has {records.Count} SPF records");
        }

        SpfRecord record;
        try
        {
            record = SpfRecord.Parse(records[0]);
        }
        catch (SpfSyntaxException e)
        {
            return new(SpfResult.PermError, $"{Shown(domain)}: {e.Message}");
        }

        try
        {
            return await EvaluateAsync(record, domain);
        }
        catch (SpfSyntaxException e)
        {
            return new(SpfResult.PermError, $"{Shown(domain)}: {e.Message}");
        }
    }

    private async Task<SpfOutcome> EvaluateAsync(SpfRecord record, string domain)
    {
        foreach (var mechanism in record.Mechanisms)
        {
            if (mechanism.Name is "include" or "a" or "mx" or "ptr" or "exists" && ++lookups > MaxLookups)
            {
                return new(SpfResult.PermError, $"more than {MaxLookups} DNS lookups");
            }

            var target = mechanism.DomainSpec is null ? domain : await ExpandAsync(mechanism.DomainSpec, domain);
            // A name no query could be made for (an empty or over-long label) matches nothing.
            var matched = mechanism.DomainSpec is null || IsDomain(target) || mechanism.Name == "include" ? await MatchesAsync(mechanism, target) : false;
            if (matched is SpfOutcome stop)
            {
                return stop;
            }

            if (matched is true)
            {
                var reason = $"{Shown(domain)}: {mechanism.Name}{(mechanism.DomainSpec is null ? "" : ":" + Shown(target))} matched {ip}";
                return mechanism.Qualifier == SpfResult.Fail
                    ? new(SpfResult.Fail, reason, await ExplainAsync(record, domain))
                    : new(mechanism.Qualifier, reason);
            }
        }

        if (record.Redirect is { } redirect)
        {
            if (++lookups > MaxLookups)
            {
                return new(SpfResult.PermError, $"more than {MaxLookups} DNS lookups");
            }

            var target = await ExpandAsync(redirect, domain);
            var outcome = IsDomain(target) ? await CheckHostAsync(target) : new(SpfResult.None, "");
            return outcome.Result == SpfResult.None ? new(SpfResult.PermError, $"{Shown(domain)} redirects to {Shown(target)}, which has no SPF record") : outcome;
        }

        return new(SpfResult.Neutral, $"{Shown(domain)}: no mechanism matched {ip}");
    }

    // True or false, or the outcome that ends the check (an error).
    private async Task<object> MatchesAsync(SpfMechanism mechanism, string target)
    {
        var v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        switch (mechanism.Name)
        {
            case "all":
                return true;
            case "ip4" or "ip6":
                return mechanism.Network!.AddressFamily == ip.AddressFamily && InNetwork(ip, mechanism.Network, v6 ? mechanism.Cidr6 : mechanism.Cidr4);
            case "include":
                if (!IsDomain(target))
                {
                    return new SpfOutcome(SpfResult.PermError, $"include:{Shown(target)} is not a domain name");
                }

                var included = await CheckHostAsync(target);
                return included.Result switch
                {
                    SpfResult.Pass => true,
                    SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => false,
                    SpfResult.TempError => included,
                    _ => new SpfOutcome(SpfResult.PermError, $"include:{Shown(target)}: {included.Reason}"),
                };
            case "a":
                return await AddressMatchesAsync(target, mechanism);
            case "mx":
                var exchanges = await dns.MxAsync(target, cancel);
                if (Void(exchanges) is { } mxStop)
                {
                    return mxStop;
                }

                if (exchanges.Records.Count > MaxNames)
                {
                    return new SpfOutcome(SpfResult.PermError, $"{Shown(target)} has more than {MaxNames} MX records");
                }

                foreach (var exchange in exchanges.Records)
                {
                    if (await AddressMatchesAsync(exchange, mechanism) is not false and var found)
                    {
                        return found;
                    }
                }

                return false;
            case "ptr":
                return await ValidatedNameAsync(target) is not null;
            case "exists":
                var exists = await dns.AddressesAsync(target, ipv6: false, cancel);
                return Void(exists) is { } existsStop ? existsStop : exists.Records.Count > 0;
            default:
                return false;
        }
    }

    private async Task<object> AddressMatchesAsync(string name, SpfMechanism mechanism)
    {
        var v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        var addresses = await dns.AddressesAsync(name, v6, cancel);
        if (Void(addresses) is { } stop)
        {
            return stop;
        }

        return addresses.Records.Any(a => InNetwork(ip, a, v6 ? mechanism.Cidr6 : mechanism.Cidr4));
    }

    // A failure ends the check with temperror; an empty answer counts against the void limit.
    private SpfOutcome? Void<T>(DnsAnswer<T> answer)
    {
        if (answer.Failed)
        {
            return new SpfOutcome(SpfResult.TempError, "DNS failed");
        }

        return answer.Records.Count == 0 && ++voids > MaxVoidLookups ? new SpfOutcome(SpfResult.PermError, $"more than {MaxVoidLookups} void DNS lookups") : null;
    }

    // The first of the client's PTR names (at most ten tried) that resolves back to it and is
    // the target or under it (RFC 7208 section 5.5); with no target, the first that resolves back.
    private async Task<string?> ValidatedNameAsync(string? target)
    {
        var names = await dns.PtrAsync(ip, cancel);
        if (names.Failed)
        {
            return null;
        }

        var v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        var ordered = names.Records.Take(MaxNames)
            .OrderBy(n => target is not null && IsWithin(n, target) ? 0 : 1);
        foreach (var name in ordered)
        {
            var back = await dns.AddressesAsync(name, v6, cancel);
            if (!back.Failed && back.Records.Any(a => a.Equals(ip)) && (target is null || IsWithin(name, target)))
            {
                return name;
            }
        }

        return null;
    }

    private async Task<string> ExpandAsync(string spec, string domain)
    {
        await ResolveNameForAsync(spec);
        return SpfMacro.ExpandDomain(spec, values, domain);
    }

    // %{p} is the client's validated name: looked up once, and only when a macro asks for it.
    private async Task ResolveNameForAsync(string text)
    {
        if (validatedName is null && text.Contains("%{p", StringComparison.OrdinalIgnoreCase))
        {
            validatedName = await ValidatedNameAsync(null) ?? "unknown";
        }
    }

    // The exp= text of a fail (RFC 7208 section 6.2); any trouble with it means none.
    private async Task<string?> ExplainAsync(SpfRecord record, string domain)
    {
        if (record.Explanation is not { } spec)
        {
            return null;
        }

        try
        {
            var target = await ExpandAsync(spec, domain);
            var answer = IsDomain(target) ? await dns.TxtAsync(target, cancel) : DnsAnswer<string>.Failure;
            if (answer.Records.Count != 1)
            {
                return null;
            }

            await ResolveNameForAsync(answer.Records[0]);
            return SpfMacro.ExpandExplanation(answer.Records[0], values, domain);
        }
        catch (SpfSyntaxException)
        {
            return null;
        }
    }

    private static bool IsWithin(string name, string domain) =>
        name.Equals(domain, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        var (a, n) = (address.GetAddressBytes(), network.GetAddressBytes());
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = (byte)(0x80 >> (bit % 8));
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    // A fully qualified name of labels of 1 to 63 octets whose last is a toplabel (RFC 7208 section 4.3).
    private static bool IsDomain(string domain) => domain.Length <= 253 && Fqdn().IsMatch(domain.TrimEnd('.'));

    // The sender's text in a reason only when it is a plain name; it reaches a log line.
    private static string Shown(string name) => PlainName().IsMatch(name) ? name : "the name given";

    [GeneratedRegex(@"\A(?:[^.]{1,63}\.)+(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])\z")]
    private static partial Regex Fqdn();

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,253}\z")]
    private static partial Regex PlainName();
}
