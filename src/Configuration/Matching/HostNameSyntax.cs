using System.Text.RegularExpressions;

namespace Gatehouse.Configuration.Matching;

/// <summary>Whether a text is a DNS host name (RFC 1123 labels; <c>_</c> allowed first, a trailing dot allowed).</summary>
public static partial class HostNameSyntax
{
    public static bool IsValid(string name) => name.Length <= 253 && HostNamePattern().IsMatch(name);

    // \z, not $: $ also matches before a final line feed, which would let "host\n" through.
    [GeneratedRegex(@"^(?=.{1,253}\z)([A-Za-z0-9_]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?\z")]
    private static partial Regex HostNamePattern();
}
