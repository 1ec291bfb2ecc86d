using Gatehouse.Cluster.V1;
using Gatehouse.Jobs;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Alerts;

/// <summary>
/// Alerts when the queue grows past <c>alert_settings.queue_messages_alert</c> messages or its
/// oldest message has waited past <c>queue_oldest_alert_minutes</c>: checked every 15 seconds,
/// repeats held back by the alert back-off like any alert.
/// </summary>
internal sealed partial class QueueWatch(CurrentConfig config, QueueCensus census, AlertMailer alerts, JobPeriods periods, TimeProvider time, ILogger<QueueWatch> logger)
    : PeriodicJob(periods, time, logger)
{
    protected override TimeSpan DefaultPeriod => TimeSpan.FromSeconds(15);

    public async Task CheckAsync(CancellationToken cancel)
    {
        // Without a threshold the queue is not counted at all: status and metrics keep their own reading.
        if (config.Snapshot?.Config.AlertSettings is not { } settings || (settings.QueueMessagesAlert == 0 && settings.QueueOldestAlertMinutes == 0))
        {
            return;
        }

        var count = census.Count();
        if (settings.QueueMessagesAlert > 0 && count.Messages > settings.QueueMessagesAlert)
        {
            await alerts.RaiseAsync(AlertClass.System, AlertSeverity.Warning, "queue-messages",
                $"The delivery queue holds {count.Messages} messages, more than the alert threshold of {settings.QueueMessagesAlert}", cancel);
        }

        var waited = count.Oldest is { } oldest ? Time.GetUtcNow() - oldest : TimeSpan.Zero;
        if (settings.QueueOldestAlertMinutes > 0 && waited > TimeSpan.FromMinutes(settings.QueueOldestAlertMinutes))
        {
            await alerts.RaiseAsync(AlertClass.System, AlertSeverity.Warning, "queue-oldest",
                $"The oldest message in the delivery queue has waited {(int)waited.TotalMinutes} minutes, longer than the alert threshold of {settings.QueueOldestAlertMinutes}", cancel);
        }
    }

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await CheckAsync(cancel);
        }
        catch (IOException e)
        {
            // The spool cannot take the alert now (a full disk): the next round tries again.
            LogAlertFailed(Logger, e.Message);
        }
    }

    [LoggerMessage(1600, LogLevel.Error, "The queue alert could not be queued: {Reason}")]
    private static partial void LogAlertFailed(ILogger Logger, string reason);
}
