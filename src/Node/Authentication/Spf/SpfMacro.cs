using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Node.Authentication.Spf;

/// <summary>A record that breaks RFC 7208's syntax: check_host() answers permerror.</summary>
internal sealed class SpfSyntaxException(string message) : Exception(message);

/// <summary>What macros expand to (RFC 7208 section 7.3) for one check_host() run.</summary>
internal sealed record SpfMacroValues(IPAddress Ip, string Sender, string LocalPart, string SenderDomain, string Helo, string Receiver, Func<string> ValidatedName, long Now);

/// <summary>
/// Macro expansion (RFC 7208 section 7): <c>%{letter digits r delimiters}</c>, <c>%%</c>,
/// <c>%_</c>, <c>%-</c>; an upper-case letter URL-escapes its value; <c>c</c>, <c>r</c> and
/// <c>t</c> only in explanation text. A domain that comes out longer than 253 octets loses
/// labels on the left until it fits.
/// </summary>
internal static class SpfMacro
{
    private const string Delimiters = ".-+,/_=";

    /// <summary>Throws <see cref="SpfSyntaxException"/> when <paramref name="text"/> is not a macro-string.</summary>
    public static void CheckSyntax(string text, bool explanation = false) => Expand(text, null, "", explanation);

    public static string ExpandDomain(string spec, SpfMacroValues values, string domain)
    {
        var expanded = Expand(spec, values, domain, explanation: false).TrimEnd('.');
        while (expanded.Length > 253 && expanded.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0)
        {
            expanded = expanded[(dot + 1)..];
        }

        return expanded;
    }

    public static string ExpandExplanation(string text, SpfMacroValues values, string domain) => Expand(text, values, domain, explanation: true);

    // With values null only the syntax is checked.
    private static string Expand(string text, SpfMacroValues? values, string domain, bool explanation)
    {
        var output = new StringBuilder();
        for (var at = 0; at < text.Length; at++)
        {
            var c = text[at];
            if (c != '%')
            {
                if (c < 0x21 && !(explanation && c == ' ') || c > 0x7E)
                {
                    throw new SpfSyntaxException($"character 0x{(int)c:x2} in a macro-string");
                }

                output.Append(c);
                continue;
            }

            if (++at >= text.Length)
            {
                throw new SpfSyntaxException("a % at the end");
            }

            switch (text[at])
            {
                case '%':
                    output.Append('%');
                    break;
                case '_':
                    output.Append(' ');
                    break;
                case '-':
                    output.Append("%20");
                    break;
                case '{':
                    var end = text.IndexOf('}', at);
                    if (end < 0)
                    {
                        throw new SpfSyntaxException("a macro without its }");
                    }

                    output.Append(Macro(text[(at + 1)..end], values, domain, explanation));
                    at = end;
                    break;
                default:
                    throw new SpfSyntaxException($"%{text[at]} is not a macro");
            }
        }

        return output.ToString();
    }

    // letter [digits] ["r"] *delimiter
    private static string Macro(string body, SpfMacroValues? values, string domain, bool explanation)
    {
        if (body.Length == 0)
        {
            throw new SpfSyntaxException("an empty macro");
        }

        var letter = body[0];
        var lower = char.ToLowerInvariant(letter);
        if (!"sloidpvh".Contains(lower, StringComparison.Ordinal) && !(explanation && "crt".Contains(lower, StringComparison.Ordinal)))
        {
            throw new SpfSyntaxException($"%{{{letter}}} is not a macro here");
        }

        var at = 1;
        while (at < body.Length && char.IsAsciiDigit(body[at]))
        {
            at++;
        }

        var keep = at > 1 ? int.Parse(body[1..at], CultureInfo.InvariantCulture) : 0;
        if (at > 1 && keep == 0)
        {
            throw new SpfSyntaxException("a macro that keeps no part");
        }

        var reverse = at < body.Length && body[at] is 'r' or 'R';
        if (reverse)
        {
            at++;
        }

        var delimiters = body[at..];
        if (delimiters.Any(d => !Delimiters.Contains(d, StringComparison.Ordinal)))
        {
            throw new SpfSyntaxException($"bad delimiters in %{{{body}}}");
        }

        if (values is null)
        {
            return "";
        }

        var value = Value(lower, values, domain);
        var parts = value.Split(delimiters.Length == 0 ? ['.'] : delimiters.ToCharArray()).ToList();
        if (reverse)
        {
            parts.Reverse();
        }

        if (keep > 0 && keep < parts.Count)
        {
            parts = parts[^keep..];
        }

        var joined = string.Join('.', parts);
        return char.IsUpper(letter) ? Uri.EscapeDataString(joined) : joined;
    }

    private static string Value(char letter, SpfMacroValues v, string domain) => letter switch
    {
        's' => v.Sender,
        'l' => v.LocalPart,
        'o' => v.SenderDomain,
        'd' => domain,
        'i' => v.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? Nibbles(v.Ip) : v.Ip.ToString(),
        'p' => v.ValidatedName(),
        'v' => v.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
        'h' => v.Helo,
        'c' => v.Ip.ToString(),
        'r' => v.Receiver,
        't' => v.Now.ToString(CultureInfo.InvariantCulture),
        _ => "",
    };

    // An IPv6 address as 32 dot-separated hexadecimal nibbles (RFC 7208 section 7.3), in upper
    // case as RFC 7208's test suite expects (DNS does not mind).
    private static string Nibbles(IPAddress address) =>
        string.Join('.', Convert.ToHexString(address.GetAddressBytes()).ToCharArray());
}
