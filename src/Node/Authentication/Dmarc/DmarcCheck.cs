using Gatehouse.Cluster.DmarcRpt;
using Gatehouse.Node.Authentication.Spf;

namespace Gatehouse.Node.Authentication.Dmarc;

/// <summary>
/// The DMARC result of a message (RFC 7489 sections 3.1 and 6.6): the policy published for its
/// From domain (or its organizational domain), and whether SPF or DKIM passed for a domain
/// aligned with the From domain. <c>Disposition</c> is what the domain asks for this message:
/// none, quarantine or reject (after <c>sp</c> and <c>pct</c>).
/// </summary>
internal sealed record DmarcResult(string Result, string? FromDomain = null, string? Policy = null, string Disposition = "none", string? Reason = null)
{
    /// <summary>The record applied and where it was found, for aggregate reports; null without one.</summary>
    public PublishedPolicy? Published { get; init; }

    /// <summary>The record's rua= as written.</summary>
    public string? AggregateReports { get; init; }

    public bool SpfAligned { get; init; }

    public bool DkimAligned { get; init; }

    /// <summary>True when pct= exempted this failing message from the policy.</summary>
    public bool SampledOut { get; init; }

    /// <summary>The method's part of an Authentication-Results header (RFC 7489 section 11.2).</summary>
    public string AuthenticationResult =>
        string.Join(' ', new[]
        {
            $"dmarc={Result}",
            Policy is null ? null : $"(p={Policy} dis={Disposition})",
            Reason is null ? null : $"reason=\"{Reason}\"",
            FromDomain is null ? null : $"header.from={FromDomain}",
        }.OfType<string>());

    public string LogText => $"{Result} ({string.Join(' ', new[] { FromDomain is null ? null : $"header.from={FromDomain}", Policy is null ? null : $"p={Policy} dis={Disposition}", Reason }.OfType<string>())})";
}

internal static class DmarcCheck
{
    /// <param name="fromDomains">The domains of the From header's addresses.</param>
    /// <param name="sample">A number in [0, 100) for the pct= sampling.</param>
    public static async Task<DmarcResult> CheckAsync(IReadOnlyList<string> fromDomains, SpfOutcome? spf, string mailFrom, string helo, IReadOnlyList<DkimCheck> dkim,
        ISpfDns dns, PublicSuffixList suffixes, int sample, CancellationToken cancel)
    {
        if (fromDomains.Count != 1 || !Configuration.Matching.HostNameSyntax.IsValid(fromDomains[0]))
        {
            return new("permerror", Reason: fromDomains.Count == 0 ? "no From domain" : "not exactly one valid From domain");
        }

        var from = fromDomains[0].ToLowerInvariant();
        var organization = suffixes.OrganizationalDomain(from);
        var found = await RecordAsync($"_dmarc.{from}", dns, cancel);
        var atOrganization = false;
        var recordDomain = from;
        if (found is { Failed: false, Record: null } && organization != from)
        {
            found = await RecordAsync($"_dmarc.{organization}", dns, cancel);
            atOrganization = true;
            recordDomain = organization;
        }

        if (found.Failed)
        {
            return new("temperror", from, Reason: "DNS failed for the policy record");
        }

        if (found.Record is not { } record)
        {
            return new("none", from);
        }

        bool Aligned(string domain, bool strict) =>
            domain.Equals(from, StringComparison.OrdinalIgnoreCase) || (!strict && suffixes.OrganizationalDomain(domain) == organization);

        var spfDomain = mailFrom.Length == 0 ? helo : mailFrom[(mailFrom.LastIndexOf('@') + 1)..];
        var spfAligned = spf?.Result == SpfResult.Pass && Aligned(spfDomain, record.StrictSpf);
        var dkimAligned = dkim.Any(d => d.Result == "pass" && d.Domain is { } signer && Aligned(signer, record.StrictDkim));
        var policy = atOrganization ? record.SubdomainPolicy ?? record.Policy : record.Policy;
        var evaluated = new DmarcResult("pass", from, policy)
        {
            Published = record.Published(recordDomain), AggregateReports = record.AggregateReports, SpfAligned = spfAligned, DkimAligned = dkimAligned,
        };
        if (spfAligned || dkimAligned)
        {
            return evaluated with { Reason = spfAligned ? "SPF aligned" : "DKIM aligned" };
        }

        // pct=: the policy applies to that share of failing mail; the rest gets the next milder one.
        var sampledOut = sample >= record.Percent && policy != "none";
        var disposition = sampledOut ? policy switch { "reject" => "quarantine", _ => "none" } : policy;
        return evaluated with { Result = "fail", Disposition = disposition, Reason = "neither SPF nor DKIM aligned with the From domain", SampledOut = sampledOut };
    }

    private static async Task<(DmarcRecord? Record, bool Failed)> RecordAsync(string name, ISpfDns dns, CancellationToken cancel)
    {
        var answer = await dns.TxtAsync(name, cancel);
        if (answer.Failed)
        {
            return (null, true);
        }

        // Section 6.6.3: more than one record, or none, is no policy.
        var records = answer.Records.Where(DmarcRecord.IsDmarc).ToList();
        return (records.Count == 1 ? DmarcRecord.Parse(records[0]) : null, false);
    }
}
