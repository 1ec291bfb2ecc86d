using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Checks the committed certificates and custom CAs for expiry at start and every hour,
/// and records each due alert once (CERT-11). Recorded alerts are listed by
/// <c>gatehouse-manager alerts</c>; mailing them is the alert service's work.
/// </summary>
internal sealed partial class ExpiryMonitor(IManagerStore store, JobPeriods periods, TimeProvider time, ILogger<ExpiryMonitor> logger)
    : PeriodicJob(periods, time, logger)
{
    protected override TimeSpan DefaultPeriod => TimeSpan.FromHours(1);

    protected override bool RunsAtStart => true;

    public async Task<int> CheckAsync(CancellationToken cancel)
    {
        var latest = await store.GetLatestAsync(cancel);
        var raised = 0;
        foreach (var alert in ExpiryAlerts.Due(latest.Content, Time.GetUtcNow()))
        {
            if (await store.TryAddAlertAsync(alert, cancel))
            {
                raised++;
                LogAlert(Logger, alert.Severity, alert.Message);
            }
        }

        return raised;
    }

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await CheckAsync(cancel);
        }
        catch (Exception e) when (e is StoreException or IOException)
        {
            LogCheckFailed(Logger, e.Message);
        }
    }

    [LoggerMessage(400, LogLevel.Warning, "Alert ({Severity}, System): {Message}")]
    private static partial void LogAlert(ILogger Logger, string severity, string message);

    [LoggerMessage(401, LogLevel.Error, "Certificate expiry check failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger Logger, string reason);
}
