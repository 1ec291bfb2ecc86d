using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using Gatehouse.Jobs;

namespace Gatehouse.Node.Hosting;

/// <summary>
/// Gives memory back once a busy stretch is over. A burst of connections leaves garbage that
/// survived young collections (handshakes in flight at the time) in the old generation, where
/// nothing collects it while the node is quiet, and the pages OpenSSL freed inside the C heap;
/// both stay resident while thousands of sessions idle. When the resident set has grown and the
/// node then allocates little for a period, one compacting collection that also returns free
/// regions, and <c>malloc_trim</c>, hand both back — a pause of milliseconds at a moment when
/// little is going on.
/// </summary>
internal sealed partial class IdleMemoryTrim(JobPeriods periods, TimeProvider time, ILogger<IdleMemoryTrim> logger)
    : PeriodicJob(periods, time, logger)
{
    private readonly TrimSchedule schedule = new(GC.GetTotalAllocatedBytes(), Environment.WorkingSet);

    protected override TimeSpan DefaultPeriod => TimeSpan.FromSeconds(2);

    protected override Task RunOnceAsync(CancellationToken cancel)
    {
        var before = Environment.WorkingSet;
        if (schedule.Observe(GC.GetTotalAllocatedBytes(), before))
        {
            var started = Stopwatch.GetTimestamp();
            Trim();
            var after = Environment.WorkingSet;
            schedule.Trimmed(after);
            LogTrimmed(Logger, before >> 20, after >> 20, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return Task.CompletedTask;
    }

    private static void Trim()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimCHeap();
    }

    // glibc only; elsewhere (musl has no malloc_trim) the C heap is left as it is.
    private static void TrimCHeap()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LoggerMessage(1010, LogLevel.Debug, "Memory given back after a busy stretch: resident {Before} MB, now {After} MB ({Milliseconds} ms)")]
    private static partial void LogTrimmed(ILogger Logger, long before, long after, long milliseconds);
}

/// <summary>
/// When to trim: at the first quiet period (fewer than <see cref="Quiet"/> bytes allocated) once
/// the resident set has grown by <see cref="Growth"/> since the last trim ended. Under steady load
/// it never fires; a node at rest is trimmed once, and again only after it has grown again.
/// </summary>
internal sealed class TrimSchedule(long allocated, long resident)
{
    public const long Quiet = 1 << 20;
    public const long Growth = 4 << 20;

    private long lastAllocated = allocated;
    private long floor = resident;

    /// <summary>Takes the process's total allocated bytes and resident set at the end of a period; true to trim now.</summary>
    public bool Observe(long allocated, long resident)
    {
        var period = allocated - lastAllocated;
        lastAllocated = allocated;
        floor = Math.Min(floor, resident);
        return period < Quiet && resident - floor >= Growth;
    }

    /// <summary>The resident set a trim left: growth is counted from here.</summary>
    public void Trimmed(long resident) => floor = resident;
}
