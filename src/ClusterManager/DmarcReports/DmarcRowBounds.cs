using System.Net;
using Gatehouse.Cluster.DmarcRpt;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.DmarcReports;

/// <summary>
/// What a node may put in the cluster's DMARC reports: rows whose every field has the syntax
/// and the values RFC 7489 appendix C allows, for a From domain under the policy's domain.
/// </summary>
internal static class DmarcRowBounds
{
    private static readonly string[] Dispositions = ["none", "quarantine", "reject"];
    private static readonly string[] Aligned = ["pass", "fail"];
    private static readonly string[] Overrides = ["forwarded", "sampled_out", "trusted_forwarder", "mailing_list", "local_policy", "other"];
    private static readonly string[] DkimResults = ["none", "pass", "fail", "policy", "neutral", "temperror", "permerror"];
    private static readonly string[] SpfResults = ["none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"];

    public static bool Hold(DmarcRow row) =>
        row.Policy is { } policy && HostNameSyntax.IsValid(policy.Domain) && Dispositions.Contains(policy.P) && Dispositions.Contains(policy.Sp)
        && policy.Adkim is "r" or "s" && policy.Aspf is "r" or "s" && policy.Pct is >= 0 and <= 100
        && policy.Fo is { Length: > 0 and <= 16 } && policy.Fo.All(c => c is '0' or '1' or 'd' or 's' or ':')
        && IPAddress.TryParse(row.SourceIp, out _) && row.Count > 0
        && HostNameSyntax.IsValid(row.HeaderFrom) && Under(row.HeaderFrom, policy.Domain)
        && (row.EnvelopeFrom.Length == 0 || HostNameSyntax.IsValid(row.EnvelopeFrom))
        && Dispositions.Contains(row.Disposition) && Aligned.Contains(row.Dkim) && Aligned.Contains(row.Spf)
        && row.Reasons is { Count: <= 2 } && row.Reasons.All(r => Overrides.Contains(r.Type) && (r.Comment is null || Text(r.Comment)))
        && row.DkimResults is { Count: <= 5 } && row.DkimResults.All(d => HostNameSyntax.IsValid(d.Domain) && DkimResults.Contains(d.Result) && (d.Selector is null || Text(d.Selector)))
        && row.SpfResult is { } spf && (spf.Domain.Length == 0 || HostNameSyntax.IsValid(spf.Domain)) && spf.Scope is "helo" or "mfrom" && SpfResults.Contains(spf.Result);

    // The record applied is the From domain's own or its organizational domain's.
    private static bool Under(string from, string domain) =>
        from.Equals(domain, StringComparison.OrdinalIgnoreCase) || from.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private static bool Text(string value) => value.Length <= 253 && !value.Any(char.IsControl);
}
