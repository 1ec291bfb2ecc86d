using System.Globalization;

namespace Gatehouse.Node.Delivery.Reporting;

/// <summary>
/// A <c>mailto:</c> URI of a DMARC <c>rua=</c> tag (RFC 7489 section 6.2): the address, and
/// the size limit an optional <c>!SIZE[k|m|g|t]</c> suffix sets. Other schemes are not ours to use.
/// </summary>
internal sealed record ReportUri(string Address, string Domain, long? MaxBytes)
{
    public static ReportUri? Parse(string uri)
    {
        if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var text = uri[7..];
        long? limit = null;
        var bang = text.LastIndexOf('!');
        if (bang >= 0)
        {
            var size = text[(bang + 1)..];
            var unit = size.Length > 0 && char.IsAsciiLetter(size[^1]) ? char.ToLowerInvariant(size[^1]) : ' ';
            var digits = unit == ' ' ? size : size[..^1];
            var factor = unit switch { ' ' => 1L, 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 0 };
            if (factor == 0 || digits.Length is 0 or > 9 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return null;
            }

            limit = count * factor;
            text = text[..bang];
        }

        string address;
        try
        {
            address = Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return null;
        }

        var at = address.LastIndexOf('@');
        return at > 0 && address.Length <= 254 && !address.Any(c => char.IsControl(c) || c is ' ' or '<' or '>' or ',' or '?')
            && Configuration.Matching.HostNameSyntax.IsValid(address[(at + 1)..])
            ? new ReportUri(address, address[(at + 1)..].ToLowerInvariant(), limit) : null;
    }
}
