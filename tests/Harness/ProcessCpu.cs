using System.Globalization;

namespace Gatehouse.Harness;

/// <summary>
/// CPU time of a process and everything under it, as the kernel counts it in <c>/proc</c>:
/// user and system time of each live process in the tree plus what its reaped children used
/// (so Postfix's short-lived smtpd and cleanup processes count once they are gone).
/// </summary>
public static class ProcessCpu
{
    // /proc reports clock ticks in USER_HZ, which Linux fixes at 100 for user space.
    private const double TicksPerSecond = 100;

    public static TimeSpan TreeOf(int rootPid)
    {
        var stats = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? Stat(pid) : null)
            .OfType<ProcStat>()
            .ToList();
        var children = stats.ToLookup(s => s.ParentPid);
        var ticks = 0L;
        var pending = new Stack<ProcStat>(stats.Where(s => s.Pid == rootPid));
        while (pending.TryPop(out var process))
        {
            ticks += process.Ticks;
            foreach (var child in children[process.Pid])
            {
                pending.Push(child);
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static ProcStat? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces; the fields follow the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return new ProcStat(pid, (int)Field(4), Field(14) + Field(15) + Field(16) + Field(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended while the tree was read.
            return null;
        }
    }

    private sealed record ProcStat(int Pid, int ParentPid, long Ticks);
}
