using System.Collections.Concurrent;
using System.Globalization;
using Gatehouse.Cluster.Alerts;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Matching;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>
/// Events that several nodes see (a destination failing the TLS it requires, a content scanner
/// giving no verdicts), as each node that
/// sees one reports it: one alert per event and hour for the whole cluster, claimed in the store
/// so that of several replicas one raises it, and an event for each node that saw it. The
/// dispatcher waits a gathering time before mailing, so that nodes seeing it at about the same
/// time are named in one mail. What a node says is bounded: a host name, one short line, and a
/// few new alerts an hour.
/// </summary>
internal sealed partial class ClusterSightings(IManagerStore store, TimeProvider time, ILogger<ClusterSightings> logger)
{
    /// <summary>The alert event kind of a node that saw the event: <c>seen:NODE</c>.</summary>
    public const string SeenPrefix = "seen:";

    /// <summary>New alerts one node may start in an hour (on one replica); reports beyond are dropped and logged.</summary>
    public const int NewPerNodeHour = 20;

    private readonly ConcurrentDictionary<string, (long Hour, int Count)> started = new(StringComparer.Ordinal);

    /// <summary>The nodes that saw the event an alert is about, in the order they said so.</summary>
    public static IReadOnlyList<string> SeenBy(IEnumerable<AlertEvent> events) =>
        [.. events.Where(e => e.Kind.StartsWith(SeenPrefix, StringComparison.Ordinal)).OrderBy(e => e.At).Select(e => e.By)];

    public Task RequiredTlsFailedAsync(string node, RequiredTlsFailure failure, CancellationToken cancel)
    {
        var domain = failure.Domain.TrimEnd('.').ToLowerInvariant();
        if (!HostNameSyntax.IsValid(domain))
        {
            LogRefused(logger, node, "the domain is not a host name");
            return Task.CompletedTask;
        }

        var reason = RequiredTlsAlert.OneLine(failure.Reason);
        return SightAsync(node, RequiredTlsAlert.Key(domain), $"TLS required for {domain}", reason, RequiredTlsAlert.Text(domain, reason), cancel);
    }

    public Task ScannerDownAsync(string node, ScannerDown down, CancellationToken cancel)
    {
        if (!ScannerDownAlert.IsName(down.Scanner))
        {
            LogRefused(logger, node, "the scanner's name is not an entity name");
            return Task.CompletedTask;
        }

        var reason = RequiredTlsAlert.OneLine(down.Reason);
        return SightAsync(node, ScannerDownAlert.Key(down.Scanner), $"scanner {down.Scanner}", reason, ScannerDownAlert.Text(down.Scanner, reason), cancel);
    }

    // One alert per event and hour: the node's sighting, then the alert if no replica raised it yet.
    private async Task SightAsync(string node, string eventKey, string subject, string reason, string text, CancellationToken cancel)
    {
        var now = time.GetUtcNow();
        var hour = now.ToUnixTimeSeconds() / 3600;
        if (started.TryGetValue(node, out var count) && count.Hour == hour && count.Count >= NewPerNodeHour)
        {
            LogRefused(logger, node, $"it started {NewPerNodeHour} alerts this hour already");
            return;
        }

        var key = $"{eventKey}@{DateTimeOffset.FromUnixTimeSeconds(hour * 3600).ToString("yyyy-MM-dd'T'HH'Z'", CultureInfo.InvariantCulture)}";
        try
        {
            // The sighting first: the dispatcher tells an alert to gather by its sightings, and
            // one it found without any (between the two writes) it mailed at once.
            await store.TryAddAlertEventAsync(new AlertEvent
            {
                AlertKey = key,
                Kind = SeenPrefix + node,
                At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
                By = node,
                Detail = reason,
            }, cancel);
            if (await store.TryAddAlertAsync(SystemAlert.Create(key, now, "Warning", text), cancel))
            {
                started.AddOrUpdate(node, (hour, 1), (_, c) => c.Hour == hour ? (hour, c.Count + 1) : (hour, 1));
                LogRaised(logger, subject, node, reason);
            }
        }
        catch (StoreException e)
        {
            LogNotRecorded(logger, node, subject, e.Message);
        }
    }

    [LoggerMessage(412, LogLevel.Warning, "Alert (Warning, System) about {Subject}, first seen by node {Node}: {Reason}")]
    private static partial void LogRaised(ILogger logger, string subject, string node, string reason);

    [LoggerMessage(413, LogLevel.Warning, "A report of node {Node} was dropped: {Reason}")]
    private static partial void LogRefused(ILogger logger, string node, string reason);

    [LoggerMessage(414, LogLevel.Error, "What node {Node} saw of {Subject} could not be recorded: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string node, string subject, string reason);
}
