using System.Globalization;
using System.Net;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// Where an administrator sends a queued message instead, written as Postfix writes a next hop
/// without MX lookup: <c>[host]:port</c>. The queue uses it as the message's destination key.
/// </summary>
internal sealed record Redirect(string Host, int Port)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}");

    /// <summary>From what an admin types: <c>host</c>, <c>host:port</c>, <c>[host]:port</c> or an address; null when it is none of those.</summary>
    public static Redirect? FromAdmin(string text)
    {
        text = text.Trim();
        var port = 25;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':') == colon && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var given))
        {
            (text, port) = (text[..colon], given);
        }

        var host = text.Trim('[', ']');
        return port is > 0 and <= 65535 && (IPAddress.TryParse(host, out _) || HostNameSyntax.IsValid(host)) ? new Redirect(host, port) : null;
    }

    /// <summary>A destination key of the form <c>[host]:port</c>; null for a domain.</summary>
    public static Redirect? Parse(string key) =>
        key.StartsWith('[') && key.LastIndexOf("]:", StringComparison.Ordinal) is > 0 and var end
            && int.TryParse(key[(end + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? new Redirect(key[1..end], port)
            : null;
}
