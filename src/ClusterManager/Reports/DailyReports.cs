using System.Globalization;
using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Reports;

/// <summary>A node asked for its records of the day; <c>Problem</c> says why one did not answer.</summary>
internal sealed record NodeAnswer(string Node, bool Answered, string? Problem, int Records);

/// <summary>
/// The cluster's daily reports of one kind (TLS, DMARC): every registered node is asked for its
/// records of a UTC day, the records are added up into one report per domain, and each report is
/// handed to a connected node, which sends it to the rua the domain publishes. A day's report for
/// a domain is sent once for the whole cluster: the store's claim decides which manager sends it,
/// and a sent report is never sent again. Each day is reported once it is over, when every node
/// has answered — or, six hours later, with the nodes that did.
/// </summary>
internal abstract partial class DailyReports<TRecord>(IManagerStore store, NodeQueries nodes, JobPeriods periods, TimeProvider time, ILogger logger)
    : PeriodicJob(periods, time, logger)
    where TRecord : class
{
    public const string Sent = "sent";
    public const string NoRecord = "no record";
    private const string Attempt = "attempt ";
    private const string Failed = "failed ";
    private const string DayDone = "done";
    private const int MaxAttempts = 5;
    private const int MaxRecordsPerNode = 100_000;
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan WaitForAllNodes = TimeSpan.FromHours(6);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    protected override TimeSpan DefaultPeriod => TimeSpan.FromMinutes(10);

    /// <summary>What the log calls one: "TLS report", "DMARC report".</summary>
    protected abstract string ReportName { get; }

    /// <summary>Put before "YYYY-MM-DD domain" in the store's report events, so that kinds never share a key.</summary>
    protected abstract string KeyPrefix { get; }

    /// <summary>Why reports cannot be sent now: reporting is off. Null when they can.</summary>
    protected abstract Task<string?> OffAsync(CancellationToken cancel);

    protected abstract NodeQuery DayQuery(ReportDayQuery day);

    protected abstract ReportDayPage DayPage(QueryAnswer answer);

    /// <summary>Whether a node may report this record: its domain is a host name, its fields in bounds.</summary>
    protected abstract bool MayReport(TRecord record);

    /// <summary>The cluster's records per domain (lower case), domains and records in a stable order.</summary>
    protected abstract SortedDictionary<string, List<TRecord>> ByDomain(IEnumerable<TRecord> records);

    /// <summary>The question that has a node send the domain's report.</summary>
    protected abstract Task<NodeQuery> SendQueryAsync(DateOnly date, string domain, List<TRecord> records, string reportId, CancellationToken cancel);

    protected abstract ReportSent SentOf(QueryAnswer answer);

    protected IManagerStore Store => store;

    protected DateOnly Today => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    protected static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Yesterday's reports, once the day is over and the nodes have answered (or waited long enough for).</summary>
    public async Task ReportYesterdayAsync(CancellationToken cancel)
    {
        var now = Time.GetUtcNow();
        var date = Today.AddDays(-1);
        var over = new DateTimeOffset(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var dayKey = $"{KeyPrefix}{Format(date)} *";
        if (await OffAsync(cancel) is not null || now < over + Settle
            || (await EventsAsync(cancel)).Any(e => e.ReportKey == dayKey && e.Kind == DayDone))
        {
            return;
        }

        var (answers, domains) = await CollectAsync(date, cancel);
        var silent = answers.Where(a => !a.Answered).Select(a => a.Node).ToList();
        if (silent.Count > 0 && now < over + WaitForAllNodes)
        {
            LogWaiting(Logger, ReportName, Format(date), string.Join(", ", silent));
            return;
        }

        if (await SendAsync(date, domains, retrying: true, cancel))
        {
            await store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = dayKey, Kind = DayDone, At = Now, Detail = silent.Count > 0 ? $"without {string.Join(", ", silent)}" : "" }, cancel);
        }
    }

    /// <summary>Refused while reporting is off, or for a day not begun.</summary>
    protected async Task CheckSendableAsync(DateOnly date, CancellationToken cancel)
    {
        if (await OffAsync(cancel) is { } off)
        {
            throw new ChangeRejectedException(off);
        }

        if (date > Today)
        {
            throw new ChangeRejectedException("that day has not begun");
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
            LogFailed(Logger, ReportName, e.Message);
        }
    }

    protected Task<IReadOnlyList<TlsReportEvent>> EventsAsync(CancellationToken cancel) => store.ListTlsReportEventsAsync(int.MaxValue, cancel);

    /// <summary>What became of a domain's report of the day so far, and the id it was (or will be) sent under.</summary>
    protected (string State, string ReportId) StateOf(DateOnly date, string domain, IReadOnlyList<TlsReportEvent> events)
    {
        var mine = events.Where(e => e.ReportKey == $"{KeyPrefix}{Format(date)} {domain}").ToList();
        var reportId = mine.FirstOrDefault(e => e.ReportId.Length > 0)?.ReportId ?? "(given when sent)";
        var state = mine.LastOrDefault(e => e.Kind is Sent or NoRecord) is { } end ? (end.Kind == Sent ? $"sent by {end.By}: {end.Detail}" : $"not sent, {end.Detail}")
            : mine.LastOrDefault(e => e.Kind.StartsWith(Failed, StringComparison.Ordinal)) is { } failed ? $"not sent yet ({failed.Kind}): {failed.Detail}"
            : mine.Count > 0 ? "being sent" : "not sent";
        return (state, reportId);
    }

    // True when every domain's report has an end (sent, no record, or no attempts left).
    protected async Task<bool> SendAsync(DateOnly date, SortedDictionary<string, List<TRecord>> domains, bool retrying, CancellationToken cancel)
    {
        var finished = true;
        // Read once, not per domain: another replica's claim is settled by the atomic add below.
        var byReport = (await EventsAsync(cancel)).ToLookup(e => e.ReportKey, StringComparer.Ordinal);
        foreach (var (domain, records) in domains)
        {
            var key = $"{KeyPrefix}{Format(date)} {domain}";
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

            var outcome = await HandToNodeAsync(await SendQueryAsync(date, domain, records, reportId, cancel), cancel);
            await store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = key, Kind = outcome.Kind == Failed ? $"{Failed}{attempt}" : outcome.Kind, At = Now, By = outcome.Node, Detail = outcome.Detail, ReportId = reportId }, cancel);
            if (outcome.Kind == Failed)
            {
                LogNotSent(Logger, ReportName, Format(date), domain, outcome.Detail);
            }
            else
            {
                LogSent(Logger, ReportName, Format(date), domain, outcome.Detail);
            }

            finished &= outcome.Kind != Failed || attempt >= MaxAttempts;
        }

        return finished;
    }

    protected async Task<(List<NodeAnswer> Answers, SortedDictionary<string, List<TRecord>> Domains)> CollectAsync(DateOnly date, CancellationToken cancel)
    {
        var registered = (await store.ListNodesAsync(cancel)).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
        var answers = await Task.WhenAll(registered.Select(node => AskDayAsync(node, date, cancel)));
        return ([.. answers.Select(a => a.Node)], ByDomain(answers.SelectMany(a => a.Records)));
    }

    private async Task<(string Kind, string Node, string Detail)> HandToNodeAsync(NodeQuery send, CancellationToken cancel)
    {
        var problems = new List<string>();
        foreach (var node in await nodes.ReachableAsync(store, cancel))
        {
            try
            {
                var answer = await nodes.AskAsync(node, send, AnswerTimeout, cancel);
                if (answer.Error.Length > 0)
                {
                    problems.Add($"{node}: {answer.Error}");
                    continue;
                }

                var sent = SentOf(answer);
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

    private async Task<(NodeAnswer Node, List<TRecord> Records)> AskDayAsync(string node, DateOnly date, CancellationToken cancel)
    {
        var records = new List<TRecord>();
        var offset = 0;
        try
        {
            do
            {
                var answer = await nodes.AskAsync(node, DayQuery(new ReportDayQuery { Date = Format(date), Offset = offset }), AnswerTimeout, cancel);
                if (answer.Error.Length > 0)
                {
                    return (new NodeAnswer(node, false, answer.Error, 0), []);
                }

                var page = DayPage(answer);
                records.AddRange(JsonSerializer.Deserialize<List<TRecord>>(page.RecordsJson) ?? []);
                offset = page.NextOffset;
            }
            while (offset > 0 && records.Count < MaxRecordsPerNode);
        }
        catch (Exception e) when (e is NodeUnreachableException or JsonException)
        {
            return (new NodeAnswer(node, false, e.Message, 0), []);
        }

        // Only what the node may report: its own records of that day, in bounds.
        records.RemoveAll(r => r is null || !MayReport(r));
        return (new NodeAnswer(node, true, null, records.Count), records);
    }

    private Timestamp Now => Timestamp.FromDateTimeOffset(Time.GetUtcNow());

    [LoggerMessage(440, LogLevel.Information, "{Report} of {Date} for {Domain}: {Detail}")]
    private static partial void LogSent(ILogger Logger, string report, string date, string domain, string detail);

    [LoggerMessage(441, LogLevel.Warning, "{Report} of {Date} for {Domain} not sent: {Reason}")]
    private static partial void LogNotSent(ILogger Logger, string report, string date, string domain, string reason);

    [LoggerMessage(442, LogLevel.Information, "{Report}s of {Date} wait for nodes {Nodes} to answer")]
    private static partial void LogWaiting(ILogger Logger, string report, string date, string nodes);

    [LoggerMessage(443, LogLevel.Error, "{Report}ing failed: {Reason}")]
    private static partial void LogFailed(ILogger Logger, string report, string reason);
}
