using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>
/// Mails the alerts the manager raised (SVC-4) through a connected node: the node picks the
/// subscribed recipients, writes the appliance's subject, applies the back-off and delivers it
/// like its own alerts, with the destination controls and TLS the admin set for mail. The manager
/// has no mail path of its own to configure, and an alert is on a node's disk before it is
/// counted as mailed. An alert is handed out once, whichever manager replica claims it first.
/// </summary>
internal sealed partial class AlertDispatcher(IManagerStore store, NodeQueries nodes, JobPeriods periods, TimeProvider time, ILogger<AlertDispatcher> logger)
    : PeriodicJob(periods, time, logger)
{
    public const string Mailed = "mailed";
    public const string Unsent = "unsent";
    public const string Acknowledged = "acknowledged";

    protected override TimeSpan DefaultPeriod => TimeSpan.FromSeconds(10);

    // How long an alert about an event nodes report waits for other nodes' reports (Jobs:ClusterAlertGather).
    private TimeSpan Gather => Periods.For("ClusterAlertGather", TimeSpan.FromMinutes(1));

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    // What a node accepts as alert text.
    private const int MaxText = 2000;

    // Raised longer ago than this and never mailed (no node was connected): listed, not mailed late.
    private static readonly TimeSpan MailWithin = TimeSpan.FromDays(1);

    /// <summary>Hands each alert not yet mailed to a connected node; the number handed out.</summary>
    public async Task<int> MailPendingAsync(CancellationToken cancel)
    {
        // Alerts before events: a sighting is written before its alert (ClusterSightings), so
        // every alert read here has its sightings among the events read next.
        var alerts = await store.ListAlertsAsync(500, cancel);
        var events = (await store.ListAlertEventsAsync(5000, cancel)).ToLookup(e => e.AlertKey, StringComparer.Ordinal);
        var now = Time.GetUtcNow();
        var handed = 0;
        var reachable = await nodes.ReachableAsync(store, cancel);
        foreach (var alert in alerts.Where(a => !events[a.Key].Any(e => e.Kind == Mailed) && now - a.At.ToDateTimeOffset() < MailWithin))
        {
            // An event nodes report is mailed after the others that see it about then have said so.
            var seenBy = ClusterSightings.SeenBy(events[alert.Key]);
            if (seenBy.Count > 0 && now - alert.At.ToDateTimeOffset() < Gather)
            {
                continue;
            }

            if (reachable is not [var node, ..])
            {
                break;
            }

            if (!await store.TryAddAlertEventAsync(Event(alert.Key, Mailed, node, ""), cancel))
            {
                continue;
            }

            handed++;
            var text = seenBy.Count > 0 ? $"{alert.Message} Seen by {string.Join(", ", seenBy)}." : alert.Message;
            var problem = await AskToMailAsync(node, alert, text, cancel);
            if (problem is not null)
            {
                await store.TryAddAlertEventAsync(Event(alert.Key, Unsent, node, problem), cancel);
                LogUnsent(Logger, alert.Key, node, problem);
            }
        }

        return handed;
    }

    /// <summary>
    /// Mails an alert at once through the first connected node, without the store's claim: for the
    /// alert that the store itself cannot be reached. The node's back-off holds repeats of its key.
    /// </summary>
    public async Task<(string? Node, string? Problem)> MailWithoutStoreAsync(AlertRecord alert, CancellationToken cancel) =>
        nodes.Connected is [var node, ..] ? (node, await AskToMailAsync(node, alert, alert.Message, cancel)) : (null, "no node is connected to this manager");

    /// <summary>Records in the store, once it works again, an alert mailed without it (listed, never mailed twice).</summary>
    public async Task RecordMailedAsync(AlertRecord alert, string? node, string? problem, CancellationToken cancel)
    {
        await store.TryAddAlertAsync(alert, cancel);
        await store.TryAddAlertEventAsync(Event(alert.Key, Mailed, node ?? "", ""), cancel);
        if (problem is not null)
        {
            await store.TryAddAlertEventAsync(Event(alert.Key, Unsent, node ?? "", problem), cancel);
        }
    }

    private async Task<string?> AskToMailAsync(string node, AlertRecord alert, string text, CancellationToken cancel)
    {
        var query = new NodeQuery
        {
            Alert = new AlertToMail { AlertClass = AlertClass.System, Severity = Severity(alert.Severity), Key = alert.Key, Text = Mailable(text) },
        };
        try
        {
            var answer = await nodes.AskAsync(node, query, AnswerTimeout, cancel);
            if (answer.Error.Length > 0)
            {
                return answer.Error;
            }

            if (answer.Alert.Mid == 0)
            {
                return $"no alert recipient subscribes to {alert.Severity} alerts of class {alert.Class} (or the same alert was mailed moments ago)";
            }

            LogMailed(Logger, alert.Key, node, answer.Alert.Mid);
            return null;
        }
        catch (NodeUnreachableException e)
        {
            return e.Message;
        }
    }

    private AlertEvent Event(string key, string kind, string by, string detail) => new()
    {
        AlertKey = key,
        Kind = kind,
        At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Time.GetUtcNow()),
        By = by,
        Detail = detail,
    };

    // One line of at most the length a node takes: a node's many errors are cut, not refused.
    private static string Mailable(string text)
    {
        var line = string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));
        return line.Length <= MaxText ? line : line[..(MaxText - 1)] + "…";
    }

    private static AlertSeverity Severity(string name) => name switch
    {
        "Critical" => AlertSeverity.Critical,
        "Information" => AlertSeverity.Information,
        _ => AlertSeverity.Warning,
    };

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await MailPendingAsync(cancel);
        }
        catch (StoreException e)
        {
            LogFailed(Logger, e.Message);
        }
    }

    [LoggerMessage(420, LogLevel.Information, "Alert {Key} handed to node {Node} to mail: MID {Mid}")]
    private static partial void LogMailed(ILogger Logger, string key, string node, long mid);

    [LoggerMessage(421, LogLevel.Warning, "Alert {Key} was not mailed by node {Node}: {Reason}")]
    private static partial void LogUnsent(ILogger Logger, string key, string node, string reason);

    [LoggerMessage(422, LogLevel.Error, "Mailing alerts failed: {Reason}")]
    private static partial void LogFailed(ILogger Logger, string reason);
}
