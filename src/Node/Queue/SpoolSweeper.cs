using Gatehouse.Jobs;
using Gatehouse.Node.Logging;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Every minute: files of messages that were never accepted leave the spool (they take space
/// exactly when it is scarce), and the free space is measured so that crossing the reserve is
/// logged even while no client asks.
/// </summary>
internal sealed class SpoolSweeper(MessageSpool spool, SpoolSpace space, MailLog log, JobPeriods periods, TimeProvider time, ILogger<SpoolSweeper> logger)
    : PeriodicJob(periods, time, logger)
{
    protected override TimeSpan DefaultPeriod => TimeSpan.FromMinutes(1);

    protected override Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            var swept = spool.SweepIncomplete();
            if (swept > 0)
            {
                log.QueueSwept(swept);
            }

            space.Spare();
        }
        catch (IOException e)
        {
            log.QueueSweepFailed(e.Message);
        }

        return Task.CompletedTask;
    }
}
