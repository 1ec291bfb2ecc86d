using Gatehouse.ClusterManager.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>Raises the alerts for nodes away or behind (<see cref="NodeAlerts"/>), checked every minute.</summary>
internal sealed partial class NodeWatch(IManagerStore store, TimeProvider time, ILogger<NodeWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    public async Task CheckAsync(CancellationToken cancel)
    {
        var latest = await store.GetLatestAsync(cancel);
        foreach (var alert in NodeAlerts.Due(await store.ListNodesAsync(cancel), latest, time.GetUtcNow()))
        {
            if (await store.TryAddAlertAsync(alert, cancel))
            {
                LogAlert(logger, alert.Severity, alert.Message);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (StoreException e)
            {
                LogCheckFailed(logger, e.Message);
            }
        }
    }

    [LoggerMessage(410, LogLevel.Warning, "Alert ({Severity}, System): {Message}")]
    private static partial void LogAlert(ILogger logger, string severity, string message);

    [LoggerMessage(411, LogLevel.Error, "Node check for alerts failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
