using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>
/// The store-unreachable alert (OPS-1). Alerts are claimed and listed through the store, so this
/// one cannot be: when the store has not answered for <see cref="Threshold"/>, the replica asks a
/// connected node to mail it directly (once per outage), and records it in the alert log when
/// the store is back. With several replicas, each that sees the outage mails it once.
/// </summary>
internal sealed partial class StoreWatch(IManagerStore store, AlertDispatcher dispatcher, JobPeriods periods, TimeProvider time, ILogger<StoreWatch> logger)
    : PeriodicJob(periods, time, logger)
{
    /// <summary>Long enough to ride out a Redis restart or failover; short enough to matter.</summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromSeconds(60);

    protected override TimeSpan DefaultPeriod => TimeSpan.FromSeconds(10);

    private DateTimeOffset? downSince;
    private (AlertRecord Alert, string? Node, string? Problem)? raised;

    public async Task CheckAsync(CancellationToken cancel)
    {
        var now = Time.GetUtcNow();
        try
        {
            await store.CheckReachableAsync(cancel);
        }
        catch (StoreException e)
        {
            downSince ??= now;
            if (raised is null && now - downSince >= Threshold)
            {
                var alert = SystemAlert.Create($"store:{downSince.Value.ToUnixTimeSeconds()}", now, "Critical",
                    $"The cluster manager's store has been unreachable since {downSince.Value.UtcDateTime:u}: {e.Message}. " +
                    "Nothing can be committed, joined or removed until it is back; nodes keep running their last version.");
                var (node, problem) = await dispatcher.MailWithoutStoreAsync(alert, cancel);
                raised = (alert, node, problem);
                LogUnreachable(Logger, e.Message, node ?? "-", problem ?? "mailed");
            }

            return;
        }

        if (raised is { } outage)
        {
            await dispatcher.RecordMailedAsync(outage.Alert, outage.Node, outage.Problem, cancel);
            LogBack(Logger, (long)(now - downSince!.Value).TotalSeconds);
        }

        downSince = null;
        raised = null;
    }

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await CheckAsync(cancel);
        }
        catch (StoreException e)
        {
            // The store went away again while the outage was being recorded: recorded next Time.
            LogRecordFailed(Logger, e.Message);
        }
    }

    [LoggerMessage(430, LogLevel.Critical, "The store is unreachable: {Reason}; alert handed to node {Node}: {Outcome}")]
    private static partial void LogUnreachable(ILogger Logger, string reason, string node, string outcome);

    [LoggerMessage(431, LogLevel.Information, "The store answers again after {Seconds} s")]
    private static partial void LogBack(ILogger Logger, long seconds);

    [LoggerMessage(432, LogLevel.Warning, "The store outage could not be recorded yet: {Reason}")]
    private static partial void LogRecordFailed(ILogger Logger, string reason);
}
