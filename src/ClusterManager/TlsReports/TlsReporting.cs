using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Gatehouse.Cluster.TlsRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Matching;
using Gatehouse.Jobs;
using Gatehouse.Manager.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.TlsReports;

/// <summary>
/// The cluster's TLS reports (RFC 8460): every registered node is asked for its records of a UTC
/// day, the records are added up into one report per policy domain, and each report is handed to
/// a connected node, which sends it to the rua of the domain's <c>_smtp._tls</c> record. A day's
/// report for a domain is sent once for the whole cluster: the store's claim decides which
/// manager sends it, and a sent report is never sent again. Each day is reported once it is
/// over, when every node has answered — or, six hours later, with the nodes that did.
/// </summary>
internal sealed partial class TlsReporting(IManagerStore store, NodeQueries nodes, JobPeriods periods, TimeProvider time, ILogger<TlsReporting> logger)
    : PeriodicJob(periods, time, logger)
{
    public const string Sent = "sent";
    public const string NoRecord = "no record";
    private const string Attempt = "attempt ";
    private const string Failed = "failed ";
    private const string DayDone = "done";
    private const int MaxAttempts = 5;
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan WaitForAllNodes = TimeSpan.FromHours(6);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    protected override TimeSpan DefaultPeriod => TimeSpan.FromMinutes(10);

    /// <summary>The day's reports as they stand: each node's answer, each domain's report and what became of it.</summary>
    public async Task<TlsReportsOfDay> DayAsync(DateOnly date, CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        var (answers, domains) = await CollectAsync(date, cancel);
        var events = await store.ListTlsReportEventsAsync(int.MaxValue, cancel);
        return new TlsReportsOfDay(Format(date), settings.Enabled, answers,
            [.. domains.Select(d => Domain(settings, date, d.Key, d.Value, events))]);
    }

    /// <summary>
    /// Sends the day's reports now, with the nodes that answer (a day not yet over covers it up to
    /// now, and is then not sent again). Refused while reporting is off.
    /// </summary>
    public async Task<TlsReportsOfDay> SendNowAsync(DateOnly date, CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        if (!settings.Enabled)
        {
            throw new ChangeRejectedException("TLS reporting is off: set manager.tls_reporting (enabled, organization_name, contact_info, submitter) and commit");
        }

        if (date > Today)
        {
            throw new ChangeRejectedException("that day has not begun");
        }

        var (answers, domains) = await CollectAsync(date, cancel);
        await SendAsync(settings, date, domains, retrying: false, cancel);
        var events = await store.ListTlsReportEventsAsync(int.MaxValue, cancel);
        return new TlsReportsOfDay(Format(date), true, answers, [.. domains.Select(d => Domain(settings, date, d.Key, d.Value, events))]);
    }

    /// <summary>Yesterday's reports, once the day is over and the nodes have answered (or waited long enough for).</summary>
    public async Task ReportYesterdayAsync(CancellationToken cancel)
    {
        var settings = await SettingsAsync(cancel);
        var now = Time.GetUtcNow();
        var date = Today.AddDays(-1);
        var over = new DateTimeOffset(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var dayKey = $"{Format(date)} *";
        if (!settings.Enabled || now < over + Settle
            || (await store.ListTlsReportEventsAsync(int.MaxValue, cancel)).Any(e => e.ReportKey == dayKey && e.Kind == DayDone))
        {
            return;
        }

        var (answers, domains) = await CollectAsync(date, cancel);
        var silent = answers.Where(a => !a.Answered).Select(a => a.Node).ToList();
        if (silent.Count > 0 && now < over + WaitForAllNodes)
        {
            LogWaiting(Logger, Format(date), string.Join(", ", silent));
            return;
        }

        if (await SendAsync(settings, date, domains, retrying: true, cancel))
        {
            await store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = dayKey, Kind = DayDone, At = Now, Detail = silent.Count > 0 ? $"without {string.Join(", ", silent)}" : "" }, cancel);
        }
    }

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await ReportYesterdayAsync(cancel);
        }
        catch (StoreException e)
        {
            LogFailed(Logger, e.Message);
        }
    }

    // True when every domain's report has an end (sent, no record, or no attempts left).
    private async Task<bool> SendAsync(TlsReportingSettings settings, DateOnly date, SortedDictionary<string, List<PolicyRecord>> domains, bool retrying, CancellationToken cancel)
    {
        var finished = true;
        // Read once, not per domain: another replica's claim is settled by the atomic add below.
        var byReport = (await store.ListTlsReportEventsAsync(int.MaxValue, cancel)).ToLookup(e => e.ReportKey, StringComparer.Ordinal);
        foreach (var (domain, policies) in domains)
        {
            var key = $"{Format(date)} {domain}";
            var events = byReport[key].ToList();
            if (events.Any(e => e.Kind is Sent or NoRecord))
            {
                continue;
            }

            var attempts = events.Where(e => e.Kind.StartsWith(Attempt, StringComparison.Ordinal)).ToList();
            if (retrying && (attempts.Count >= MaxAttempts || (attempts.Count > 0 && Now.ToDateTimeOffset() - attempts[^1].At.ToDateTimeOffset() < RetryAfter)))
            {
                finished &= attempts.Count >= MaxAttempts;
                continue;
            }

            var reportId = attempts.FirstOrDefault()?.ReportId ?? Guid.NewGuid().ToString();
            var attempt = attempts.Count + 1;
            if (!await store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = key, Kind = $"{Attempt}{attempt}", At = Now, ReportId = reportId }, cancel))
            {
                // Another manager took this attempt.
                finished = false;
                continue;
            }

            var document = Document(settings, date, policies, reportId);
            var outcome = await HandToNodeAsync(settings, domain, document, cancel);
            await store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = key, Kind = outcome.Kind == Failed ? $"{Failed}{attempt}" : outcome.Kind, At = Now, By = outcome.Node, Detail = outcome.Detail, ReportId = reportId }, cancel);
            if (outcome.Kind == Failed)
            {
                LogNotSent(Logger, Format(date), domain, outcome.Detail);
            }
            else
            {
                LogSent(Logger, Format(date), domain, outcome.Detail);
            }

            finished &= outcome.Kind != Failed || attempt >= MaxAttempts;
        }

        return finished;
    }

    private async Task<(string Kind, string Node, string Detail)> HandToNodeAsync(TlsReportingSettings settings, string domain, TlsReportDocument document, CancellationToken cancel)
    {
        var send = new TlsReportToSend
        {
            PolicyDomain = domain,
            ReportGzip = ByteString.CopyFrom(Gzip(document)),
            ReportId = document.ReportId,
            Submitter = settings.Submitter,
            Start = Timestamp.FromDateTimeOffset(document.DateRange.StartAt),
            End = Timestamp.FromDateTimeOffset(document.DateRange.EndAt),
        };
        var problems = new List<string>();
        foreach (var node in await nodes.ReachableAsync(store, cancel))
        {
            try
            {
                var answer = await nodes.AskAsync(node, new NodeQuery { TlsReportSend = send }, AnswerTimeout, cancel);
                if (answer.Error.Length > 0)
                {
                    problems.Add($"{node}: {answer.Error}");
                    continue;
                }

                var sent = answer.TlsReportSent;
                return sent.NoRecord.Length > 0 ? (NoRecord, node, sent.NoRecord)
                    : sent.Delivered.Count > 0 ? (Sent, node, string.Join("; ", sent.Delivered.Concat(sent.Failed.Select(f => $"not {f}"))))
                    : (Failed, node, string.Join("; ", sent.Failed));
            }
            catch (NodeUnreachableException e)
            {
                problems.Add(e.Message);
            }
        }

        return (Failed, "", problems.Count > 0 ? string.Join("; ", problems) : "no node is connected to the manager");
    }

    private async Task<(List<TlsReportNode> Answers, SortedDictionary<string, List<PolicyRecord>> Domains)> CollectAsync(DateOnly date, CancellationToken cancel)
    {
        var registered = (await store.ListNodesAsync(cancel)).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
        var answers = await Task.WhenAll(registered.Select(node => AskDayAsync(node, date, cancel)));
        return ([.. answers.Select(a => a.Node)], PolicyMerge.ByDomain(answers.SelectMany(a => a.Records)));
    }

    private async Task<(TlsReportNode Node, List<PolicyRecord> Records)> AskDayAsync(string node, DateOnly date, CancellationToken cancel)
    {
        var records = new List<PolicyRecord>();
        var offset = 0;
        try
        {
            do
            {
                var answer = await nodes.AskAsync(node, new NodeQuery { TlsReportDay = new TlsReportDayQuery { Date = Format(date), Offset = offset } }, AnswerTimeout, cancel);
                if (answer.Error.Length > 0)
                {
                    return (new TlsReportNode(node, false, answer.Error, 0), []);
                }

                records.AddRange(JsonSerializer.Deserialize<List<PolicyRecord>>(answer.TlsReportDay.PoliciesJson) ?? []);
                offset = answer.TlsReportDay.NextOffset;
            }
            while (offset > 0 && records.Count < 100_000);
        }
        catch (Exception e) when (e is NodeUnreachableException or JsonException)
        {
            return (new TlsReportNode(node, false, e.Message, 0), []);
        }

        // Only what the node may report: its own records of that day, with domains that are host names.
        records.RemoveAll(r => r.Policy is null || !HostNameSyntax.IsValid(r.Policy.Domain ?? ""));
        return (new TlsReportNode(node, true, null, records.Count), records);
    }

    private TlsReportDomain Domain(TlsReportingSettings settings, DateOnly date, string domain, List<PolicyRecord> policies, IReadOnlyList<TlsReportEvent> events)
    {
        var mine = events.Where(e => e.ReportKey == $"{Format(date)} {domain}").ToList();
        var reportId = mine.FirstOrDefault(e => e.ReportId.Length > 0)?.ReportId ?? "(given when sent)";
        var state = mine.LastOrDefault(e => e.Kind is Sent or NoRecord) is { } end ? (end.Kind == Sent ? $"sent by {end.By}: {end.Detail}" : $"not sent, {end.Detail}")
            : mine.LastOrDefault(e => e.Kind.StartsWith(Failed, StringComparison.Ordinal)) is { } failed ? $"not sent yet ({failed.Kind}): {failed.Detail}"
            : mine.Count > 0 ? "being sent" : "not sent";
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
        (await store.GetLatestAsync(cancel)).Content.Cluster?.Manager?.TlsReporting ?? new TlsReportingSettings();

    private DateOnly Today => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    private Timestamp Now => Timestamp.FromDateTimeOffset(Time.GetUtcNow());

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [LoggerMessage(440, LogLevel.Information, "TLS report of {Date} for {Domain}: {Detail}")]
    private static partial void LogSent(ILogger Logger, string date, string domain, string detail);

    [LoggerMessage(441, LogLevel.Warning, "TLS report of {Date} for {Domain} not sent: {Reason}")]
    private static partial void LogNotSent(ILogger Logger, string date, string domain, string reason);

    [LoggerMessage(442, LogLevel.Information, "TLS reports of {Date} wait for nodes {Nodes} to answer")]
    private static partial void LogWaiting(ILogger Logger, string date, string nodes);

    [LoggerMessage(443, LogLevel.Error, "TLS reporting failed: {Reason}")]
    private static partial void LogFailed(ILogger Logger, string reason);
}
