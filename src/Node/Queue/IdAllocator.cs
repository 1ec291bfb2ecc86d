using System.Globalization;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Queue;

/// <summary>
/// Hands out increasing ids (MID, ICID, DCID) that stay unique across restarts and crashes:
/// blocks of ids are reserved on disk before use, so a crash only skips numbers.
/// </summary>
internal sealed class IdAllocator
{
    private const long BlockSize = 1000;
    private readonly string path;
    private readonly Lock gate = new();
    private long next;
    private long reservedUntil;

    public IdAllocator(string path)
    {
        this.path = path;
        next = File.Exists(path) ? long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture) : 1;
        reservedUntil = next;
    }

    public long Next()
    {
        lock (gate)
        {
            if (next >= reservedUntil)
            {
                reservedUntil = next + BlockSize;
                AtomicFile.Write(path, System.Text.Encoding.ASCII.GetBytes(reservedUntil.ToString(CultureInfo.InvariantCulture)));
            }

            return next++;
        }
    }
}
