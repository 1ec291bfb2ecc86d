using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>Raises the alerts for nodes away or behind (<see cref="NodeAlerts"/>), checked every minute.</summary>
internal sealed partial class NodeWatch(IManagerStore store, JobPeriods periods, TimeProvider time, ILogger<NodeWatch> logger)
    : PeriodicJob(periods, time, logger)
{
    protected override TimeSpan DefaultPeriod => TimeSpan.FromMinutes(1);

    public async Task CheckAsync(CancellationToken cancel)
    {
        var latest = await store.GetLatestAsync(cancel);
        foreach (var alert in NodeAlerts.Due(await store.ListNodesAsync(cancel), latest, Time.GetUtcNow()))
        {
            if (await store.TryAddAlertAsync(alert, cancel))
            {
                LogAlert(Logger, alert.Severity, alert.Message);
            }
        }
    }

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await CheckAsync(cancel);
        }
        catch (StoreException e)
        {
            LogCheckFailed(Logger, e.Message);
        }
    }

    [LoggerMessage(410, LogLevel.Warning, "Alert ({Severity}, System): {Message}")]
    private static partial void LogAlert(ILogger Logger, string severity, string message);

    [LoggerMessage(411, LogLevel.Error, "Node check for alerts failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger Logger, string reason);
}
