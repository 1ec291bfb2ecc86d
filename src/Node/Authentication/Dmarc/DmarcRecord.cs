using System.Globalization;
using Gatehouse.Cluster.DmarcRpt;

namespace Gatehouse.Node.Authentication.Dmarc;

/// <summary>
/// A domain's DMARC policy record (RFC 7489 section 6.3): what to do with mail that fails
/// (<c>p</c>, <c>sp</c> for subdomains), how strictly identifiers must align (<c>adkim</c>,
/// <c>aspf</c>) and on what share of it (<c>pct</c>); the reporting tags are kept as written.
/// </summary>
internal sealed record DmarcRecord(string Policy, string? SubdomainPolicy, bool StrictDkim, bool StrictSpf, int Percent, string? AggregateReports, string FailureOptions = "0")
{
    private static readonly string[] Policies = ["none", "quarantine", "reject"];

    /// <summary>True when a TXT record is a DMARC record: <c>v=DMARC1</c> first.</summary>
    public static bool IsDmarc(string text) =>
        text.TrimStart().StartsWith("v=DMARC1", StringComparison.Ordinal) && (text.TrimStart().Length == 8 || text.TrimStart()[8] is ';' or ' ' or '\t');

    /// <summary>The record, or null when it has no valid p= (section 6.6.3: such a record is not applied).</summary>
    public static DmarcRecord? Parse(string text)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in text.Split(';'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags.TryAdd(pair[..equals].Trim(), pair[(equals + 1)..].Trim());
            }
        }

        if (!tags.TryGetValue("p", out var policy) || !Policies.Contains(policy.ToLowerInvariant()))
        {
            return null;
        }

        var subdomain = tags.TryGetValue("sp", out var sp) && Policies.Contains(sp.ToLowerInvariant()) ? sp.ToLowerInvariant() : null;
        var percent = tags.TryGetValue("pct", out var pct) && int.TryParse(pct, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 100 ? value : 100;
        return new DmarcRecord(policy.ToLowerInvariant(), subdomain, Strict(tags, "adkim"), Strict(tags, "aspf"), percent, tags.GetValueOrDefault("rua"),
            tags.TryGetValue("fo", out var fo) && fo.Length is > 0 and <= 16 && fo.All(c => c is '0' or '1' or 'd' or 's' or ':') ? fo : "0");
    }

    /// <summary>The record as a report's <c>policy_published</c> states it, for the domain it was found at.</summary>
    public PublishedPolicy Published(string domain) =>
        new(domain, StrictDkim ? "s" : "r", StrictSpf ? "s" : "r", Policy, SubdomainPolicy ?? Policy, Percent, FailureOptions);

    private static bool Strict(Dictionary<string, string> tags, string tag) => tags.TryGetValue(tag, out var mode) && mode.Equals("s", StringComparison.OrdinalIgnoreCase);
}
