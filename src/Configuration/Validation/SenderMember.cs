using System.Net;

namespace Gatehouse.Configuration.Validation;

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
            var last = member[(dash + 1)..];
            // "10.0.0.1-20" (last octet) or "10.0.0.1-10.0.0.20".
            return IPAddress.TryParse(last, out var end) ? end.AddressFamily == first.AddressFamily
                : byte.TryParse(last, out _);
        }

        return AddressRule.IsHostName(member.TrimStart('.'));
    }
}
