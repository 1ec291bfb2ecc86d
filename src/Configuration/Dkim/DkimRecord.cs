namespace Gatehouse.Configuration.Dkim;

/// <summary>
/// The TXT record that publishes a signing key (RFC 6376 §3.6.1) under
/// <c>SELECTOR._domainkey.DOMAIN</c>: its value, and that value cut into the strings of at
/// most 255 characters one TXT record is made of.
/// </summary>
public sealed record DkimRecord(string Name, string Value, IReadOnlyList<string> Strings)
{
    private const int MaxString = 255;

    public static DkimRecord For(DkimKey key, string domain, string selector)
    {
        domain = domain.TrimEnd('.');
        if (!IsLabels(selector) || !IsLabels(domain) || !domain.Contains('.', StringComparison.Ordinal))
        {
            throw new FormatException($"'{selector}' and '{domain}' do not make a DKIM record name: a selector and a domain are dot-separated labels of letters, digits and hyphens");
        }

        var name = $"{selector}._domainkey.{domain}.";

        var value = $"v=DKIM1; k={key.Algorithm}; p={Convert.ToBase64String(key.PublicKey)}";
        return new DkimRecord(name.ToLowerInvariant(), value, [.. value.Chunk(MaxString).Select(c => new string(c))]);
    }

    // Labels of letters, digits and hyphens; no leading underscore, no trailing dot.
    public static bool IsLabels(string text) =>
        text.Length is > 0 and <= 200 && !text.StartsWith('_') && !text.EndsWith('.') && Matching.HostNameSyntax.IsValid(text);

    /// <summary>The record as a zone file line.</summary>
    public string ZoneLine => $"{Name} IN TXT {string.Join(' ', Strings.Select(s => $"\"{s}\""))}";
}
