using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>Drops shared MTA-STS policies whose max_age has run out, every hour, so they no longer count toward the bounds.</summary>
internal sealed partial class StsPolicyPruning(SharedStsPolicies policies, JobPeriods periods, TimeProvider time, ILogger<StsPolicyPruning> logger)
    : PeriodicJob(periods, time, logger)
{
    protected override TimeSpan DefaultPeriod => TimeSpan.FromHours(1);

    protected override bool RunsAtStart => true;

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            if (await policies.PruneAsync(cancel) is > 0 and var dropped)
            {
                LogPruned(Logger, dropped);
            }
        }
        catch (StoreException e)
        {
            LogPruneFailed(Logger, e.Message);
        }
    }

    [LoggerMessage(454, LogLevel.Information, "Dropped {Count} expired shared MTA-STS policies")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(455, LogLevel.Warning, "Expired shared MTA-STS policies not dropped now: {Reason}")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}
