using System.Runtime.InteropServices;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Files of finished messages kept, renamed aside into <c>queue/.spare</c>, for the next
/// messages to be written into instead of deleted and created anew. Creating a file is the
/// costly part of spooling a small message: on ext4 it allocates an inode, and without a journal
/// it first looks through the recently deleted ones; under steady relaying that was a tenth of
/// the node's CPU. Only small files are kept (a spare still holds its blocks until reused, which
/// truncates it) and only a bounded number. A spare renamed into place still holds the record of
/// the message it carried, under another MID, until it is truncated: <see cref="SpoolRecord"/>
/// takes a record only under its own MID, so a crash in between leaves an incomplete file, never
/// a queued one. Spares left by an earlier run are deleted at start.
/// </summary>
internal sealed partial class SpareFiles
{
    private const int MaxSpares = 256;
    private const long MaxSpareBytes = 64 * 1024;
    private readonly string directory;
    private readonly Lock gate = new();
    private readonly Stack<string> spares = new();
    private long named;

    public SpareFiles(string queueDirectory)
    {
        directory = Path.Combine(queueDirectory, ".spare");
        if (Directory.Exists(directory))
        {
            foreach (var stale in Directory.EnumerateFiles(directory))
            {
                File.Delete(stale);
            }
        }

        Directory.CreateDirectory(directory);
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return spares.Count;
            }
        }
    }

    /// <summary>Moves a finished message's file aside for reuse; false when it is not kept (the caller deletes it).</summary>
    public bool TryKeep(string path)
    {
        if (!OperatingSystem.IsLinux() || Count >= MaxSpares)
        {
            return false;
        }

        try
        {
            if (new FileInfo(path).Length > MaxSpareBytes)
            {
                return false;
            }
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        var spare = Path.Combine(directory, Interlocked.Increment(ref named).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Rename(path, spare, 0) != 0)
        {
            return false;
        }

        lock (gate)
        {
            spares.Push(spare);
        }

        return true;
    }

    /// <summary>Renames a spare to <paramref name="path"/>, which must not exist; false when there is none to take.</summary>
    public bool TryTake(string path)
    {
        while (true)
        {
            string spare;
            lock (gate)
            {
                if (!spares.TryPop(out spare!))
                {
                    return false;
                }
            }

            if (Rename(spare, path, RenameNoReplace) == 0)
            {
                return true;
            }

            if (Marshal.GetLastPInvokeError() == ErrorFileExists)
            {
                throw new IOException($"{path} exists already");
            }

            File.Delete(spare);
        }
    }

    private const uint RenameNoReplace = 1;
    private const int ErrorFileExists = 17;
    private const int AtCurrentDirectory = -100;

    private static int Rename(string from, string to, uint flags) => RenameAt2(AtCurrentDirectory, from, AtCurrentDirectory, to, flags);

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameAt2(int fromDirectory, string from, int toDirectory, string to, uint flags);
}
