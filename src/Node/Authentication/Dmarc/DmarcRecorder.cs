using System.Net;
using Gatehouse.Cluster.DmarcRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Node.Authentication.Spf;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Authentication.Dmarc;

/// <summary>
/// What DMARC aggregate reports (RFC 7489 section 7.2) need from this node: for each day (UTC),
/// the messages checked under a record that asks for reports (<c>rua=</c>), counted per source
/// address, header From domain, policy and results, in <c>DATA/state/dmarc/YYYY-MM-DD.json</c>.
/// <c>gatehouse-node dmarc-report</c> prints a day.
/// </summary>
internal sealed class DmarcRecorder(string directory, TimeProvider time) : IAsyncDisposable
{
    public const int MaxRowsPerDay = 50_000;
    private readonly DailyRecords<DmarcRow> days = new(directory, time, r => r.Key, MaxRowsPerDay);

    /// <summary>Counts a message checked, refused (<paramref name="refused"/>) or let through, when its domain asks for reports.</summary>
    public void Record(DmarcResult dmarc, IPAddress source, string mailFrom, string helo, SpfOutcome? spf, IReadOnlyList<DkimCheck> dkim, bool refused)
    {
        if (dmarc.Published is not { } published || string.IsNullOrWhiteSpace(dmarc.AggregateReports) || dmarc.FromDomain is not { } from)
        {
            return;
        }

        var (scope, envelope) = mailFrom.Length == 0 ? ("helo", helo) : ("mfrom", mailFrom[(mailFrom.LastIndexOf('@') + 1)..]);
        envelope = HostNameSyntax.IsValid(envelope) ? envelope.ToLowerInvariant() : "";
        var applied = refused ? "reject" : "none";
        var reasons = new List<PolicyOverride>();
        if (dmarc.SampledOut)
        {
            reasons.Add(new PolicyOverride("sampled_out", null));
        }

        if (dmarc.Result == "fail" && dmarc.Disposition != applied && dmarc.Disposition != "none")
        {
            reasons.Add(new PolicyOverride("local_policy", "delivered, the failure stated in Authentication-Results"));
        }

        var row = new DmarcRow
        {
            Policy = published,
            SourceIp = (source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source).ToString(),
            HeaderFrom = from,
            EnvelopeFrom = envelope,
            Disposition = applied,
            Dkim = dmarc.DkimAligned ? "pass" : "fail",
            Spf = dmarc.SpfAligned ? "pass" : "fail",
            Reasons = reasons,
            DkimResults = [.. dkim.Where(d => d.Domain is not null).Select(d => new DkimAuthResult(d.Domain!, d.Selector, d.Result))],
            SpfResult = new SpfAuthResult(envelope, scope, spf?.Name ?? "none"),
        };
        days.Update(row, r => r.Count++);
    }

    /// <summary>A page of a day's rows for the manager's cluster report.</summary>
    public ReportDayPage Page(DateOnly date, int offset)
    {
        var (json, next) = days.Page(date, offset);
        return new ReportDayPage { RecordsJson = json, NextOffset = next };
    }

    public ValueTask DisposeAsync() => days.DisposeAsync();
}
