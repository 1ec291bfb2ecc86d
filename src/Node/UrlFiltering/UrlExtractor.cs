using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace Gatehouse.Node.UrlFiltering;

/// <summary>The URLs found, and whether there were more than were kept or examined.</summary>
internal sealed record ExtractedUrls(IReadOnlyList<string> Urls, bool Truncated);

/// <summary>
/// The URLs of a message as a reader would see them: every text part (plain and HTML), in
/// attached messages too, decoded from its transfer encoding and charset by MimeKit, HTML
/// entities resolved, each URL normalised (scheme and host in lower case, no fragment) and
/// counted once. Bounded: at most a number of URLs, attached messages nested a few deep, and a
/// node-wide number of messages examined at once, each up to a number of characters of text.
/// </summary>
internal static partial class UrlExtractor
{
    // Longest URL kept; anything longer is cut by the service's protocol anyway.
    private const int MaxUrlLength = 2048;

    /// <summary>Characters of text examined per message (its decoded text parts, HTML decoded).</summary>
    public const int MaxTextCharacters = 10 * 1024 * 1024;

    // A forwarded message inside a forwarded message…: deeper is not read.
    private const int MaxNesting = 5;

    // Text parts are read into memory: a few at a time on the node, whatever the sessions.
    private static readonly SemaphoreSlim Examining = new(Math.Max(2, Environment.ProcessorCount));

    public static async Task<ExtractedUrls> ExtractAsync(Stream message, int limit, CancellationToken cancel)
    {
        await Examining.WaitAsync(cancel);
        try
        {
            try
            {
                using var parsed = await MimeMessage.LoadAsync(message, persistent: true, cancel);
                return Collect(TextParts(parsed.Body, 0).Select(part => part is null ? null : (part.IsHtml ? WebUtility.HtmlDecode(part.Text) : part.Text) ?? ""), limit);
            }
            catch (FormatException) when (message.CanSeek)
            {
                // Bytes MimeKit cannot read as a message (a header line without a colon, a cut
                // stream): any sender can send them, so their links are judged all the same, read
                // as plain text.
                message.Position = 0;
                using var reader = new StreamReader(message, System.Text.Encoding.Latin1, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
                var buffer = new char[MaxTextCharacters + 1];
                var read = await reader.ReadBlockAsync(buffer, cancel);
                return Collect([WebUtility.HtmlDecode(new string(buffer, 0, read))], limit);
            }
        }
        finally
        {
            Examining.Release();
        }
    }

    // The URLs of these texts in order, within the limit and the characters examined; a null text is
    // a part not read (nested too deep), which makes the result truncated.
    private static ExtractedUrls Collect(IEnumerable<string?> texts, int limit)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var budget = MaxTextCharacters;
        foreach (var whole in texts)
        {
            if (whole is null)
            {
                return new ExtractedUrls(found, Truncated: true);
            }

            var cut = whole.Length > budget;
            var text = cut ? whole[..budget] : whole;
            budget -= text.Length;
            foreach (Match match in Candidate().Matches(text))
            {
                if (Normalise(match.Value) is { } url && seen.Add(url))
                {
                    if (found.Count >= limit)
                    {
                        return new ExtractedUrls(found, Truncated: true);
                    }

                    found.Add(url);
                }
            }

            if (cut)
            {
                return new ExtractedUrls(found, Truncated: true);
            }
        }

        return new ExtractedUrls(found, Truncated: false);
    }

    // Every text part, attached messages included; null where nesting goes deeper than is read.
    private static IEnumerable<TextPart?> TextParts(MimeEntity? entity, int depth)
    {
        switch (entity)
        {
            case TextPart text:
                yield return text;
                break;
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    foreach (var part in TextParts(child, depth))
                    {
                        yield return part;
                    }
                }

                break;
            case MessagePart { Message: { } attached } when depth < MaxNesting:
                foreach (var part in TextParts(attached.Body, depth + 1))
                {
                    yield return part;
                }

                break;
            case MessagePart:
                yield return null;
                break;
        }
    }

    public static string? Normalise(string candidate)
    {
        var text = candidate.TrimEnd('.', ',', ';', ':', '!', '?');
        if (text.StartsWith("www.", StringComparison.OrdinalIgnoreCase))
        {
            text = "http://" + text;
        }

        if (text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            return null;
        }

        var builder = new UriBuilder(uri) { Fragment = "" };
        return builder.Uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Fragment, UriFormat.UriEscaped);
    }

    [GeneratedRegex("""(?:https?://|www\.)[^\s<>"'()\[\]{}\\^`|]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Candidate();
}
