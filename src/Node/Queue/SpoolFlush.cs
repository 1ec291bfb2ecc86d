using System.Runtime.InteropServices;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Group commit for the spool. Whoever needs what it wrote to be on disk (a message before its
/// <c>250</c>, delivery progress) calls <see cref="FlushAsync"/> with the files it wrote; one
/// flush makes durable everything the callers waiting at that moment wrote — data, envelopes,
/// renames and directory entries alike. A caller that arrives while a flush is running waits
/// for the next one, which covers its writes. Alone a message costs one flush; under 20
/// concurrent senders far fewer than one each.
/// <para>
/// On a filesystem of its own the flush is one <c>syncfs(2)</c>. On the root filesystem, where
/// other programs' writes would ride along, it is the write-back of every file of the batch
/// started at once (so the journal's next commit carries them all), then an <c>fsync</c> of each
/// in turn and one of the spool directory.
/// </para>
/// <para>
/// Flushes run on a thread of their own: a flush blocks for as long as the disk takes, and on
/// the shared thread pool that wait made the pool add threads, which then spin for work.
/// </para>
/// </summary>
internal sealed partial class SpoolFlush : IDisposable
{
    private readonly Func<IReadOnlyCollection<string>, Task> sync;
    // A monitor rather than a semaphore: the flusher waits without spinning first (a spinning
    // wait yields the CPU in a loop, which under load took time from the sessions).
    private readonly object gate = new();
    private readonly Thread flusher;
    private readonly string spool = "";
    private readonly int directory = -1;
    private readonly bool ownFileSystem;
    private volatile bool disposed;
    private Batch? waiting;
    private bool running;
    private long flushes;

    public SpoolFlush(string spoolDirectory)
    {
        spool = Path.GetFullPath(spoolDirectory);
        if (OperatingSystem.IsLinux())
        {
            directory = Open(spool, 0);
            if (directory < 0)
            {
                throw new IOException($"cannot open the spool {spool}: errno {Marshal.GetLastPInvokeError()}");
            }

            ownFileSystem = MountPoint(spool) != "/";
        }

        sync = files =>
        {
            Sync(files);
            return Task.CompletedTask;
        };
        flusher = StartFlusher();
    }

    /// <summary>For tests: the flush itself replaced.</summary>
    internal SpoolFlush(Func<IReadOnlyCollection<string>, Task> sync)
    {
        this.sync = sync;
        flusher = StartFlusher();
    }

    /// <summary>Flushes done since start (the metrics show flushes per message).</summary>
    public long Flushes => Interlocked.Read(ref flushes);

    /// <summary>True when a flush is one <c>syncfs</c> of the spool's own filesystem.</summary>
    public bool WholeFileSystem => ownFileSystem;

    /// <summary>Returns once <paramref name="files"/>, and everything else written before the call, is on disk.</summary>
    public Task FlushAsync(params string[] files)
    {
        lock (gate)
        {
            waiting ??= new Batch();
            waiting.Files.UnionWith(files);
            var mine = waiting.Done.Task;
            if (!running)
            {
                running = true;
                Monitor.Pulse(gate);
            }

            return mine;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            Monitor.Pulse(gate);
        }

        // Bounded: a disk that hangs does not hold the node's stop forever.
        flusher.Join(TimeSpan.FromSeconds(30));
        if (directory >= 0)
        {
            _ = Close(directory);
        }
    }

    private Thread StartFlusher()
    {
        var thread = new Thread(() =>
        {
            // What was asked before the spool was disposed is still flushed.
            while (!disposed)
            {
                lock (gate)
                {
                    while (!running && !disposed)
                    {
                        Monitor.Wait(gate);
                    }
                }

                FlushWaiting();
            }
        })
        {
            IsBackground = true,
            Name = "Spool flush",
        };
        thread.Start();
        return thread;
    }

    private void FlushWaiting()
    {
        while (true)
        {
            Batch batch;
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
                sync(batch.Files).GetAwaiter().GetResult();
                Interlocked.Increment(ref flushes);
                batch.Done.SetResult();
            }
            catch (Exception e)
            {
                batch.Done.SetException(e);
            }
        }
    }

    private void Sync(IReadOnlyCollection<string> files)
    {
        if (directory < 0)
        {
            // Not Linux: the spool is only as durable as the system's own write-back.
            return;
        }

        if (ownFileSystem)
        {
            Check(SyncFs(directory), spool);
            return;
        }

        var open = new List<(int Descriptor, string Path)>(files.Count);
        try
        {
            foreach (var path in files)
            {
                var descriptor = Open(path, 0);
                // Gone meanwhile (a refused message discarded): nothing of it needs keeping.
                if (descriptor >= 0)
                {
                    open.Add((descriptor, path));
                    // Only started: the blocks are allocated now, so the first fsync's journal commit covers every file.
                    _ = SyncFileRange(descriptor, 0, 0, SyncFileRangeWrite);
                }
            }

            foreach (var (descriptor, path) in open)
            {
                Check(Fsync(descriptor), path);
            }
        }
        finally
        {
            foreach (var (descriptor, _) in open)
            {
                _ = Close(descriptor);
            }
        }

        Check(Fsync(directory), spool);
    }

    private static void Check(int result, string path)
    {
        if (result != 0)
        {
            throw new IOException($"flushing {path} to disk failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    // The mount point holding a path: the longest mount point that is a prefix of it.
    private static string MountPoint(string path) =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(mount => mount == "/" || path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal))
            .MaxBy(mount => mount.Length) ?? "/";

    private sealed class Batch
    {
        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int descriptor);

    private const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int descriptor, long offset, long bytes, uint flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
