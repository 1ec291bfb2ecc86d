using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Node.UrlFiltering;

/// <summary>
/// Finds the URLs of a message's texts read piece by piece, so that examining a message takes a
/// buffer of one size whatever the message's: a URL, a scheme or an HTML entity cut at the end
/// of a piece is held over to the next. Bounded by the number of URLs kept and the characters
/// examined; past either, the result says it was truncated.
/// </summary>
internal sealed partial class UrlScanner(int limit, int budget)
{
    // Longest URL kept: a longer one is judged by its first characters (the service's protocol cuts it anyway).
    public const int MaxUrlLength = 2048;

    private const int Piece = 32 * 1024;

    // "https:/": a scheme cut at the end of a piece.
    private const int SchemeTail = 7;

    // A reference cut at the end of a piece is held whole, however many zeros pad its digits
    // (&#000…104; is an "h" to a browser); no HTML holds this many.
    private const int MaxHeldEntity = 64 * 1024;

    private readonly List<string> found = [];
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private readonly char[] buffer = new char[Piece];

    public bool Truncated { get; private set; }

    public ExtractedUrls Result => new(found, Truncated);

    /// <summary>Something was not examined (an attached message nested too deep).</summary>
    public void Skipped() => Truncated = true;

    /// <summary>Reads <paramref name="reader"/> to its end unless a bound is reached first; false once one is.</summary>
    public async Task<bool> ScanAsync(TextReader reader, bool html, CancellationToken cancel)
    {
        var heldRaw = "";
        var heldText = "";
        var tooLong = false;
        while (!Truncated)
        {
            // One character past the budget tells whether there was more.
            var read = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(Piece, budget + 1)), cancel);
            var cut = read > budget;
            var count = cut ? budget : read;
            budget -= count;
            var last = read == 0 || cut;
            var raw = heldRaw + new string(buffer, 0, count);
            heldRaw = "";
            if (html && !last && CutEntity().Match(raw) is { Success: true } entity)
            {
                (raw, heldRaw) = (raw[..entity.Index], raw[entity.Index..]);
                Truncated = heldRaw.Length > MaxHeldEntity;
            }

            heldText = Scan(heldText + (html ? Decode(raw) : raw), last, ref tooLong);
            Truncated |= cut;
            if (last)
            {
                break;
            }
        }

        return !Truncated;
    }

    /// <summary>
    /// HTML character references resolved as a browser shows them: numeric ones with or without
    /// their <c>;</c> (<c>&amp;#104ttps://</c> is a link on screen), named ones with it; in one
    /// pass, so that what one reference produces is not read as another.
    /// </summary>
    public static string Decode(string html) => html.Contains('&', StringComparison.Ordinal) ? Reference().Replace(html, Resolve) : html;

    private static string Resolve(Match reference)
    {
        if (reference.Groups["name"].Success)
        {
            return WebUtility.HtmlDecode(reference.Value);
        }

        var hex = reference.Groups["hex"].Success;
        var digits = (hex ? reference.Groups["hex"].Value : reference.Groups["dec"].Value).TrimStart('0');
        // Past U+10FFFF, zero, or a surrogate, a browser shows U+FFFD.
        return digits.Length is > 0 and <= 7
            && int.TryParse(digits, hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            && code <= 0x10FFFF && code is < 0xD800 or > 0xDFFF
            ? char.ConvertFromUtf32(code) : "\uFFFD";
    }

    // The URLs of text; what is to be held over to the next piece (unless this is the last).
    private string Scan(string text, bool last, ref bool tooLong)
    {
        var from = 0;
        if (tooLong)
        {
            // The rest of a URL already judged by its first characters.
            from = UrlRun().Match(text).Length;
            tooLong = from == text.Length && !last;
            if (tooLong)
            {
                return "";
            }
        }

        var keep = last ? text.Length : Math.Max(from, text.Length - SchemeTail);
        for (var match = Candidate().Match(text, from); match.Success; match = match.NextMatch())
        {
            if (!last && match.Index + match.Length == text.Length)
            {
                if (match.Length <= MaxUrlLength)
                {
                    return text[match.Index..];
                }

                tooLong = true;
                Add(match.Value);
                return "";
            }

            if (!Add(match.Value))
            {
                return "";
            }

            keep = Math.Max(keep, match.Index + match.Length);
        }

        return text[keep..];
    }

    // False once the limit is passed.
    private bool Add(string candidate)
    {
        if (Normalise(candidate) is not { } url || !seen.Add(url))
        {
            return true;
        }

        if (found.Count >= limit)
        {
            Truncated = true;
            return false;
        }

        found.Add(url);
        return true;
    }

    /// <summary>A URL as the verdict service is asked about it: scheme and host in lower case, no fragment; null when it is none.</summary>
    public static string? Normalise(string candidate)
    {
        var text = (candidate.Length > MaxUrlLength ? candidate[..MaxUrlLength] : candidate).TrimEnd('.', ',', ';', ':', '!', '?');
        if (text.StartsWith("www.", StringComparison.OrdinalIgnoreCase))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            return null;
        }

        var builder = new UriBuilder(uri) { Fragment = "" };
        return builder.Uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Fragment, UriFormat.UriEscaped);
    }

    [GeneratedRegex("""(?:https?://|www\.)[^\s<>"'()\[\]{}\\^`|]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Candidate();

    [GeneratedRegex("""^[^\s<>"'()\[\]{}\\^`|]*""", RegexOptions.CultureInvariant)]
    private static partial Regex UrlRun();

    // A reference that may go on at the end of the text.
    [GeneratedRegex("""&(?:#[xX]?[0-9A-Fa-f]*|[A-Za-z][A-Za-z0-9]{0,40})?$""", RegexOptions.CultureInvariant)]
    private static partial Regex CutEntity();

    [GeneratedRegex("""&(?:#[xX](?<hex>[0-9A-Fa-f]+);?|#(?<dec>[0-9]+);?|(?<name>[A-Za-z][A-Za-z0-9]{0,40});)""", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();
}
