using System.Globalization;

namespace Gatehouse.Harness;

/// <summary>
/// Memory of a process and every live process under it, in KB of proportional set size
/// (<c>Pss</c> in <c>/proc/PID/smaps_rollup</c>): pages shared by several processes — Postfix's
/// daemons share their libraries — count once in all, split among them.
/// </summary>
public static class ProcessMemory
{
    public static long TreeKb(int rootPid) => ProcessTree.Of(rootPid).Sum(p => PssKb(p.Pid));

    private static long PssKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/smaps_rollup").FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // The process ended while it was read.
        }
    }
}
