using System.Net;

namespace Gatehouse.Configuration.Matching;

/// <summary>Syntax of a sender group member (IN-2): IP, CIDR, range, host name or .domain suffix.</summary>
public static class SenderMember
{
    public static bool IsValid(string member)
    {
        if (IPAddress.TryParse(member, out _) || IPNetwork.TryParse(member, out _))
        {
            return true;
        }

        var dash = member.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && IPAddress.TryParse(member[..dash], out var first))
        {
            return RangeEnd(first, member[(dash + 1)..]) is not null;
        }

        return HostNameSyntax.IsValid(member.TrimStart('.'));
    }

    /// <summary>
    /// True when a client matches the member: by address (IP, CIDR, range) or by its verified
    /// reverse-DNS host name (exact host, or <c>.domain</c> suffix).
    /// </summary>
    public static bool Matches(string member, IPAddress client, string? verifiedHost)
    {
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        if (IPAddress.TryParse(member, out var single))
        {
            return single.Equals(client);
        }

        if (member.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(member, out var network) && network.Contains(client);
        }

        var dash = member.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && IPAddress.TryParse(member[..dash], out var first))
        {
            var last = RangeEnd(first, member[(dash + 1)..]);
            return last is not null && first.AddressFamily == client.AddressFamily
                && Compare(first, client) <= 0 && Compare(client, last) <= 0;
        }

        if (verifiedHost is null)
        {
            return false;
        }

        var host = verifiedHost.TrimEnd('.');
        return member.StartsWith('.')
            ? host.EndsWith(member, StringComparison.OrdinalIgnoreCase)
            : string.Equals(host, member.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }

    // "10.0.0.1-20" (last octet) or "10.0.0.1-10.0.0.20"; "20" alone must not parse as 0.0.0.20.
    private static IPAddress? RangeEnd(IPAddress first, string last)
    {
        if (last.Contains('.', StringComparison.Ordinal) || last.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(last, out var end) && end.AddressFamily == first.AddressFamily ? end : null;
        }

        return byte.TryParse(last, out var octet) && first.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? new IPAddress([.. first.GetAddressBytes()[..3], octet])
            : null;
    }

    private static int Compare(IPAddress a, IPAddress b) => a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());
}
