using MimeKit;

namespace Gatehouse.Node.Authentication;

/// <summary>
/// The one <c>Authentication-Results</c> header (RFC 8601) the node adds to mail it checked, and
/// the recognition of those that claim to be the node's own: they arrive from outside, forged
/// or left by an earlier hop, and are removed before delivery (RFC 8601 section 5) so that
/// nothing after the node trusts a result it did not reach.
/// </summary>
internal static class AuthenticationResultsHeader
{
    public const string Name = "Authentication-Results";

    /// <summary>The header a policy's <c>tag</c> action adds, for filters further on that do not read Authentication-Results.</summary>
    public const string VerdictName = "X-Gatehouse-Auth-Verdict";

    /// <summary>The header line, <c>Authentication-Results: ID; method=result …; …</c>, one line (folded on the way out).</summary>
    public static string Format(string authservId, IEnumerable<string> results) => $"{Name}: {authservId}; {string.Join("; ", results)}";

    public static string Verdict(string verdict) => $"{VerdictName}: {verdict}";

    /// <summary>True when <paramref name="header"/> is an Authentication-Results header whose authserv-id is <paramref name="authservId"/>, in any letter case.</summary>
    public static bool ClaimsToBe(Header header, string authservId) =>
        header.Id == HeaderId.AuthenticationResults && AuthservId(System.Text.Encoding.Latin1.GetString(header.RawValue)).Equals(authservId, StringComparison.OrdinalIgnoreCase);

    // The first token after any comments and folding whitespace, up to ";", space or a comment.
    private static string AuthservId(string value)
    {
        var at = 0;
        while (at < value.Length)
        {
            if (char.IsWhiteSpace(value[at]))
            {
                at++;
            }
            else if (value[at] == '(')
            {
                at = EndOfComment(value, at);
            }
            else
            {
                break;
            }
        }

        var end = value.IndexOfAny([';', ' ', '\t', '\r', '\n', '('], at);
        return value[at..(end < 0 ? value.Length : end)];
    }

    // Comments nest (RFC 5322 section 3.2.2); a backslash quotes the next character.
    private static int EndOfComment(string value, int start)
    {
        var depth = 0;
        for (var at = start; at < value.Length; at++)
        {
            switch (value[at])
            {
                case '\\':
                    at++;
                    break;
                case '(':
                    depth++;
                    break;
                case ')' when --depth == 0:
                    return at + 1;
            }
        }

        return value.Length;
    }
}
