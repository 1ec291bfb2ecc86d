using Gatehouse.Node.Logging;
using Microsoft.Extensions.Hosting;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Every minute: files of messages that were never accepted leave the spool (they take space
/// exactly when it is scarce), and the free space is measured so that crossing the reserve is
/// logged even while no client asks.
/// </summary>
internal sealed class SpoolSweeper(MessageSpool spool, SpoolSpace space, MailLog log, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
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
        }
    }
}
