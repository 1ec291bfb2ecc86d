using Gatehouse.Node.Logging;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Free space of the spool's filesystem as a limit (IN-6 under pressure): below the reserve of
/// <c>system.queue</c> — the larger of <c>reserve_bytes</c> (default 64 MiB) and
/// <c>reserve_percent</c> of the filesystem (default 1) — new mail is refused with 452 4.3.1
/// while delivery goes on and frees space. Crossing the reserve either way is logged once.
/// </summary>
internal sealed class SpoolSpace(string directory, CurrentConfig config, MailLog log)
{
    private const long DefaultReserveBytes = 64L * 1024 * 1024;
    private const uint DefaultReservePercent = 1;
    private readonly Lock gate = new();
    private bool low;

    /// <summary>Bytes that may still be accepted: free space above the reserve (negative: below it).</summary>
    public long Spare()
    {
        var drive = new DriveInfo(directory);
        var queue = config.Snapshot?.Config.System?.Queue;
        var percent = queue?.ReservePercent is > 0 ? queue.ReservePercent : DefaultReservePercent;
        var reserve = Math.Max(queue?.ReserveBytes is > 0 ? (long)queue.ReserveBytes : DefaultReserveBytes, drive.TotalSize / 100 * percent);
        var free = drive.AvailableFreeSpace;
        Report(free, reserve);
        return free - reserve;
    }

    private void Report(long free, long reserve)
    {
        lock (gate)
        {
            if (free < reserve == low)
            {
                return;
            }

            low = free < reserve;
        }

        if (low)
        {
            log.QueueStorageLow(free, reserve);
        }
        else
        {
            log.QueueStorageRecovered(free, reserve);
        }
    }
}
