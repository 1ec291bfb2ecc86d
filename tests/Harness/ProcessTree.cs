using System.Globalization;

namespace Gatehouse.Harness;

/// <summary>A process and every live process under it, read from <c>/proc/PID/stat</c>.</summary>
public static class ProcessTree
{
    /// <summary>
    /// The tree's processes with their own CPU ticks (user and system) plus those of the children
    /// they reaped, so that short-lived children count once they are gone.
    /// </summary>
    public static IReadOnlyList<ProcessStat> Of(int rootPid)
    {
        var stats = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? Stat(pid) : null)
            .OfType<ProcessStat>()
            .ToList();
        var children = stats.ToLookup(s => s.ParentPid);
        var tree = new List<ProcessStat>();
        var pending = new Stack<ProcessStat>(stats.Where(s => s.Pid == rootPid));
        while (pending.TryPop(out var process))
        {
            tree.Add(process);
            foreach (var child in children[process.Pid])
            {
                pending.Push(child);
            }
        }

        return tree;
    }

    private static ProcessStat? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces; the fields follow the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return new ProcessStat(pid, (int)Field(4), Field(14) + Field(15) + Field(16) + Field(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended while the tree was read.
            return null;
        }
    }
}

public sealed record ProcessStat(int Pid, int ParentPid, long Ticks);
