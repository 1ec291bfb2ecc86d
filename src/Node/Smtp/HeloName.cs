using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// The EHLO/HELO argument (RFC 5321 section 4.1.1.1): a domain or an address literal, nothing
/// else. It goes into the <c>Received:</c> header, so anything looser would be a way in.
/// </summary>
internal static partial class HeloName
{
    public static bool IsValid(string argument)
    {
        if (argument.Length is 0 or > 255)
        {
            return false;
        }

        if (argument.StartsWith('['))
        {
            var literal = argument.TrimStart('[').TrimEnd(']');
            return argument.EndsWith(']') && (literal.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)
                ? IPAddress.TryParse(literal[5..], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                : IPAddress.TryParse(literal, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && literal.Count(c => c == '.') == 3);
        }

        return DomainPattern().IsMatch(argument);
    }

    // Letters, digits and hyphens per label (underscores too: many hosts have them), trailing dot allowed.
    [GeneratedRegex(@"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?\z")]
    private static partial Regex DomainPattern();
}
