using System.Runtime.InteropServices;

namespace Gatehouse.Configuration.Files;

/// <summary>
/// Writes a file so that a crash leaves either the old or the new content: write a
/// temporary file, flush it to disk, rename it over the target, flush the directory.
/// </summary>
public static partial class AtomicFile
{
    /// <param name="durable">False skips the flushes, for soft state that may be lost in a crash.</param>
    public static async Task WriteAsync(string path, byte[] content, bool privateFile = false, bool durable = true, CancellationToken cancel = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Temporary(directory, path);
        try
        {
            await using (var stream = new FileStream(temporary, Options(privateFile)))
            {
                await stream.WriteAsync(content, cancel);
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        if (durable)
        {
            FlushDirectory(directory);
        }
    }

    /// <summary>
    /// The same, synchronously, for callers that must not wait on the thread pool (an id
    /// block reserved under a lock on the accept path): no sync-over-async.
    /// </summary>
    public static void Write(string path, byte[] content, bool privateFile = false)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Temporary(directory, path);
        try
        {
            using (var stream = new FileStream(temporary, Options(privateFile)))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        FlushDirectory(directory);
    }

    private static string Temporary(string directory, string path) => Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    private static FileStreamOptions Options(bool privateFile) => new()
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        UnixCreateMode = privateFile ? UnixFileMode.UserRead | UnixFileMode.UserWrite : null,
    };

    // A rename is durable only once the directory entry is on disk; a failure to make it so is
    // an IOException like any failed write (the spool then refuses the message: nothing is lost).
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(directory, 0);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open {directory} to flush it: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"flushing {directory} to disk failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
