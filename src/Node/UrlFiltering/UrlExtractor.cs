using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace Gatehouse.Node.UrlFiltering;

/// <summary>
/// The URLs of a message as a reader would see them: every text part (plain and HTML) decoded
/// from its transfer encoding and charset by MimeKit, HTML entities resolved, each URL
/// normalised (scheme and host in lower case, no fragment) and counted once, at most a limit.
/// </summary>
internal static partial class UrlExtractor
{
    // Longest URL kept; anything longer is cut by the service's protocol anyway.
    private const int MaxUrlLength = 2048;

    public static async Task<IReadOnlyList<string>> ExtractAsync(Stream message, int limit, CancellationToken cancel)
    {
        using var parsed = await MimeMessage.LoadAsync(message, persistent: true, cancel);
        var found = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parsed.BodyParts.OfType<TextPart>())
        {
            var text = part.IsHtml ? WebUtility.HtmlDecode(part.Text) : part.Text;
            foreach (Match match in Candidate().Matches(text ?? ""))
            {
                if (Normalise(match.Value) is { } url && seen.Add(url))
                {
                    found.Add(url);
                    if (found.Count >= limit)
                    {
                        return found;
                    }
                }
            }
        }

        return found;
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
