using Gatehouse.ClusterManager.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Checks the committed certificates and custom CAs for expiry at start and every hour,
/// and records each due alert once (CERT-11). Recorded alerts are listed by
/// <c>gatehouse-manager alerts</c>; mailing them is the alert service's work.
/// </summary>
internal sealed partial class ExpiryMonitor(IManagerStore store, TimeProvider time, ILogger<ExpiryMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    public async Task<int> CheckAsync(CancellationToken cancel)
    {
        var latest = await store.GetLatestAsync(cancel);
        var raised = 0;
        foreach (var alert in ExpiryAlerts.Due(latest.Content, time.GetUtcNow()))
        {
            if (await store.TryAddAlertAsync(alert, cancel))
            {
                raised++;
                LogAlert(logger, alert.Severity, alert.Message);
            }
        }

        return raised;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is StoreException or IOException)
            {
                LogCheckFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(400, LogLevel.Warning, "Alert ({Severity}, System): {Message}")]
    private static partial void LogAlert(ILogger logger, string severity, string message);

    [LoggerMessage(401, LogLevel.Error, "Certificate expiry check failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
