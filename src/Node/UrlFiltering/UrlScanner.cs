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

    // An entity cut at the end of a piece is held whole, however many zeros pad its digits
    // (&#000…104; is an "h" to the decoder and to a browser); no HTML holds this many.
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

            heldText = Scan(heldText + (html ? WebUtility.HtmlDecode(raw) : raw), last, ref tooLong);
            Truncated |= cut;
            if (last)
            {
                break;
            }
        }

        return !Truncated;
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

    // An entity without its end at the end of the text (numeric as .NET's decoder reads it, or named).
    [GeneratedRegex("""&(?:#[xX]?[\s0-9A-Fa-f+-]*|[A-Za-z][A-Za-z0-9]{0,40})?$""", RegexOptions.CultureInvariant)]
    private static partial Regex CutEntity();
}
