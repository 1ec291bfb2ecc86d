using System.IO.Compression;
using System.Text.Json;
using Gatehouse.Cluster.TlsRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Reports;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Matching;
using Gatehouse.Jobs;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.TlsReports;

/// <summary>
/// The cluster's TLS reports (RFC 8460): the nodes' outbound sessions of a UTC day added up into
/// one report per policy domain, sent by a node to the rua of the domain's <c>_smtp._tls</c> record.
/// </summary>
internal sealed class TlsReporting(IManagerStore store, NodeQueries nodes, JobPeriods periods, TimeProvider time, ILogger<TlsReporting> logger)
    : DailyReports<PolicyRecord>(store, nodes, periods, time, logger)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    protected override string ReportName => "TLS report";

    protected override string KeyPrefix => "";

    /// <summary>The day's reports as they stand: each node's answer, each domain's report and what became of it.</summary>
    public async Task<TlsReportsOfDay> DayAsync(DateOnly date, CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        var (answers, domains) = await CollectAsync(date, cancel);
        var events = await EventsAsync(cancel);
        return new TlsReportsOfDay(Format(date), settings.Enabled, [.. answers.Select(Node)],
            [.. domains.Select(d => Domain(settings, date, d.Key, d.Value, events))]);
    }

    /// <summary>
    /// Sends the day's reports now, with the nodes that answer (a day not yet over covers it up to
    /// now, and is then not sent again). Refused while reporting is off.
    /// </summary>
    public async Task<TlsReportsOfDay> SendNowAsync(DateOnly date, CancellationToken cancel)
    {
        await CheckSendableAsync(date, cancel);
        var settings = await SettingsAsync(cancel);
        var (answers, domains) = await CollectAsync(date, cancel);
        await SendAsync(date, domains, retrying: false, cancel);
        var events = await EventsAsync(cancel);
        return new TlsReportsOfDay(Format(date), true, [.. answers.Select(Node)], [.. domains.Select(d => Domain(settings, date, d.Key, d.Value, events))]);
    }

    protected override async Task<string?> OffAsync(CancellationToken cancel) => (await SettingsAsync(cancel)).Enabled ? null
        : "TLS reporting is off: set manager.tls_reporting (enabled, organization_name, contact_info, submitter) and commit";

    protected override NodeQuery DayQuery(ReportDayQuery day) => new() { TlsReportDay = day };

    protected override ReportDayPage DayPage(QueryAnswer answer) => answer.TlsReportDay;

    protected override bool MayReport(PolicyRecord record) => record.Policy is not null && HostNameSyntax.IsValid(record.Policy.Domain ?? "");

    protected override SortedDictionary<string, List<PolicyRecord>> ByDomain(IEnumerable<PolicyRecord> records) => PolicyMerge.ByDomain(records);

    protected override async Task<NodeQuery> SendQueryAsync(DateOnly date, string domain, List<PolicyRecord> records, string reportId, CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        var document = Document(settings, date, records, reportId);
        return new NodeQuery
        {
            TlsReportSend = new TlsReportToSend
            {
                PolicyDomain = domain,
                ReportGzip = ByteString.CopyFrom(Gzip(document)),
                ReportId = document.ReportId,
                Submitter = settings.Submitter,
                Start = Timestamp.FromDateTimeOffset(document.DateRange.StartAt),
                End = Timestamp.FromDateTimeOffset(document.DateRange.EndAt),
            },
        };
    }

    protected override ReportSent SentOf(QueryAnswer answer) => answer.TlsReportSent;

    private static TlsReportNode Node(NodeAnswer answer) => new(answer.Node, answer.Answered, answer.Problem, answer.Records);

    private TlsReportDomain Domain(TlsReportingSettings settings, DateOnly date, string domain, List<PolicyRecord> policies, IReadOnlyList<Manager.V1.TlsReportEvent> events)
    {
        var (state, reportId) = StateOf(date, domain, events);
        return new TlsReportDomain(domain, policies.Sum(p => p.Summary.Successful), policies.Sum(p => p.Summary.Failed), state, Document(settings, date, policies, reportId));
    }

    private TlsReportDocument Document(TlsReportingSettings settings, DateOnly date, List<PolicyRecord> policies, string reportId) =>
        new(settings.OrganizationName, ReportDateRange.Of(date, Time.GetUtcNow()), settings.ContactInfo, reportId, policies);

    private static byte[] Gzip(TlsReportDocument document)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            JsonSerializer.Serialize(gzip, document, Json);
        }

        return output.ToArray();
    }

    private async Task<TlsReportingSettings> SettingsAsync(CancellationToken cancel) =>
        (await Store.GetLatestAsync(cancel)).Content.Cluster?.Manager?.TlsReporting ?? new TlsReportingSettings();
}
