using System.IO.Compression;
using System.Text;
using Gatehouse.Cluster.DmarcRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Reports;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.DmarcReports;

/// <summary>
/// The cluster's DMARC aggregate reports (RFC 7489 section 7.2): the nodes' DMARC results of a
/// UTC day added up into one report per domain whose record asks for them, mailed by a node to
/// the domain's <c>rua=</c> addresses.
/// </summary>
internal sealed class DmarcReporting(IManagerStore store, NodeQueries nodes, JobPeriods periods, TimeProvider time, ILogger<DmarcReporting> logger)
    : DailyReports<DmarcRow>(store, nodes, periods, time, logger)
{
    protected override string ReportName => "DMARC report";

    protected override string KeyPrefix => "dmarc ";

    /// <summary>The day's reports as they stand: each node's answer, each domain's report and what became of it.</summary>
    public async Task<DmarcReportsOfDay> DayAsync(DateOnly date, CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        var (answers, domains) = await CollectAsync(date, cancel);
        return new DmarcReportsOfDay(Format(date), settings.Enabled, answers, await DomainsAsync(settings, date, domains, cancel));
    }

    /// <summary>Sends the day's reports now, with the nodes that answer (a day not yet over covers it up to now, and is then not sent again).</summary>
    public async Task<DmarcReportsOfDay> SendNowAsync(DateOnly date, CancellationToken cancel)
    {
        await CheckSendableAsync(date, cancel);
        var settings = await SettingsAsync(cancel);
        var (answers, domains) = await CollectAsync(date, cancel);
        await SendAsync(date, domains, retrying: false, cancel);
        return new DmarcReportsOfDay(Format(date), true, answers, await DomainsAsync(settings, date, domains, cancel));
    }

    protected override async Task<string?> OffAsync(CancellationToken cancel) => (await SettingsAsync(cancel)).Enabled ? null
        : "DMARC reporting is off: set manager.dmarc_reporting (enabled, organization_name, email) and commit";

    protected override NodeQuery DayQuery(ReportDayQuery day) => new() { DmarcReportDay = day };

    protected override ReportDayPage DayPage(QueryAnswer answer) => answer.DmarcReportDay;

    protected override bool MayReport(DmarcRow record) => DmarcRowBounds.Hold(record);

    protected override SortedDictionary<string, List<DmarcRow>> ByDomain(IEnumerable<DmarcRow> records) => DmarcRowMerge.ByDomain(records);

    protected override async Task<NodeQuery> SendQueryAsync(DateOnly date, string domain, List<DmarcRow> records, string reportId, CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        var (begin, end) = Range(date);
        return new NodeQuery
        {
            DmarcReportSend = new DmarcReportToSend
            {
                PolicyDomain = domain,
                ReportGzip = ByteString.CopyFrom(Gzip(DmarcReportXml.Write(settings, reportId, begin, end, records))),
                ReportId = reportId,
                OrganizationName = settings.OrganizationName,
                Email = settings.Email,
                Start = Timestamp.FromDateTimeOffset(begin),
                End = Timestamp.FromDateTimeOffset(end),
            },
        };
    }

    protected override ReportSent SentOf(QueryAnswer answer) => answer.DmarcReportSent;

    private async Task<List<DmarcReportDomain>> DomainsAsync(DmarcReportingSettings settings, DateOnly date, SortedDictionary<string, List<DmarcRow>> domains, CancellationToken cancel)
    {
        var events = await EventsAsync(cancel);
        var (begin, end) = Range(date);
        return [.. domains.Select(d =>
        {
            var (state, reportId) = StateOf(date, d.Key, events);
            var passed = d.Value.Where(r => r.Dkim == "pass" || r.Spf == "pass").Sum(r => r.Count);
            var messages = d.Value.Sum(r => r.Count);
            return new DmarcReportDomain(d.Key, messages, passed, messages - passed, state, DmarcReportXml.Write(settings, reportId, begin, end, d.Value));
        })];
    }

    // The UTC day, or the part of it until now when it is today.
    private (DateTimeOffset Begin, DateTimeOffset End) Range(DateOnly date)
    {
        var begin = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = begin.AddDays(1).AddSeconds(-1);
        var now = Time.GetUtcNow();
        return (begin, end < now ? end : now);
    }

    private static byte[] Gzip(string xml)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(xml));
        }

        return output.ToArray();
    }

    private async Task<DmarcReportingSettings> SettingsAsync(CancellationToken cancel) =>
        (await Store.GetLatestAsync(cancel)).Content.Cluster?.Manager?.DmarcReporting ?? new DmarcReportingSettings();
}
