using System.Runtime.InteropServices;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Group commit for the spool. Whoever needs what it wrote to be on disk (a message before its
/// <c>250</c>, delivery progress) calls <see cref="FlushAsync"/>; one <c>syncfs(2)</c> of the
/// spool's filesystem makes durable everything written before it started — data, envelopes,
/// renames and directory entries alike — for every caller waiting at that moment. A caller that
/// arrives while a flush is running waits for the next one, which covers its writes. Under 20
/// concurrent senders this is far less than one flush per message; alone, exactly one.
/// </summary>
internal sealed partial class SpoolFlush : IDisposable
{
    private readonly Func<CancellationToken, Task> sync;
    private readonly Lock gate = new();
    private readonly int directory = -1;
    private TaskCompletionSource? waiting;
    private bool running;
    private long flushes;

    public SpoolFlush(string spoolDirectory)
    {
        if (OperatingSystem.IsLinux())
        {
            directory = Open(spoolDirectory, 0);
            if (directory < 0)
            {
                throw new IOException($"cannot open the spool {spoolDirectory}: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        sync = _ => Task.Run(SyncFileSystem, CancellationToken.None);
    }

    /// <summary>For tests: the flush itself replaced.</summary>
    internal SpoolFlush(Func<CancellationToken, Task> sync) => this.sync = sync;

    /// <summary>Flushes done since start (the metrics show flushes per message).</summary>
    public long Flushes => Interlocked.Read(ref flushes);

    /// <summary>Returns once everything this caller wrote before the call is on disk.</summary>
    public Task FlushAsync()
    {
        lock (gate)
        {
            waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var mine = waiting.Task;
            if (!running)
            {
                running = true;
                _ = Task.Run(RunAsync);
            }

            return mine;
        }
    }

    public void Dispose()
    {
        if (directory >= 0)
        {
            _ = Close(directory);
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (gate)
            {
                if (waiting is null)
                {
                    running = false;
                    return;
                }

                // Later callers start a new batch: this flush may have begun before they wrote.
                batch = waiting;
                waiting = null;
            }

            try
            {
                await sync(CancellationToken.None);
                Interlocked.Increment(ref flushes);
                batch.SetResult();
            }
            catch (Exception e)
            {
                batch.SetException(e);
            }
        }
    }

    private void SyncFileSystem()
    {
        if (directory < 0)
        {
            // Not Linux: no syncfs; the spool is only as durable as the system's own write-back.
            return;
        }

        if (SyncFs(directory) != 0)
        {
            throw new IOException($"flushing the spool to disk failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
