using System.Text.RegularExpressions;

namespace Gatehouse.Node.Authentication;

/// <summary>
/// The result of checking one DKIM signature, in RFC 8601's terms (<c>pass</c>, <c>fail</c>,
/// <c>policy</c>, <c>neutral</c>, <c>temperror</c>, <c>permerror</c>; <c>none</c> for a message
/// without a signature). The domain, selector and first characters of the signature come from
/// the sender: they are kept only when they have the syntax of what they claim to be, so that
/// nothing else reaches a header or a log line.
/// </summary>
internal sealed partial record DkimCheck(string Result, string? Domain = null, string? Selector = null, string? SignaturePrefix = null, string? Reason = null)
{
    public static readonly DkimCheck None = new("none", Reason: "no signature");

    /// <summary>A check of a signature whose tags are <paramref name="tags"/>, the values as the sender wrote them.</summary>
    public static DkimCheck Of(string result, IReadOnlyDictionary<string, string> tags, string? reason = null) => new(
        result,
        tags.TryGetValue("d", out var d) && Configuration.Matching.HostNameSyntax.IsValid(d) ? d.ToLowerInvariant() : null,
        tags.TryGetValue("s", out var s) && s.Length <= 253 && SelectorSyntax().IsMatch(s) ? s : null,
        tags.TryGetValue("b", out var b) && b.Length >= 8 && Base64Syntax().IsMatch(b[..8]) ? b[..8] : null,
        reason);

    /// <summary>The method's part of an Authentication-Results header (RFC 8601, RFC 6008 for header.b).</summary>
    public string AuthenticationResult =>
        string.Join(' ', new[]
        {
            $"dkim={Result}",
            Reason is null || Result == "none" ? null : $"reason=\"{Reason}\"",
            Domain is null ? null : $"header.d={Domain}",
            Selector is null ? null : $"header.s={Selector}",
            // "/" is not allowed in a bare value (RFC 2045 tspecials).
            SignaturePrefix is null ? null : SignaturePrefix.Contains('/') ? $"header.b=\"{SignaturePrefix}\"" : $"header.b={SignaturePrefix}",
        }.OfType<string>());

    /// <summary>As the mail log says it: <c>pass (d=example.test s=s1)</c>, with the reason when there is one.</summary>
    public string LogText => this == None
        ? $"{Result} ({Reason})"
        : $"{Result} ({string.Join(' ', new[] { $"d={Domain ?? "?"}", $"s={Selector ?? "?"}", Reason }.OfType<string>())})";

    // RFC 6376 section 3.1: a selector is dot-separated sub-domain labels.
    [GeneratedRegex(@"\A[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\z")]
    private static partial Regex SelectorSyntax();

    [GeneratedRegex(@"\A[A-Za-z0-9+/]{8}\z")]
    private static partial Regex Base64Syntax();
}
