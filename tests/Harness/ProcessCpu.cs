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

    public static TimeSpan TreeOf(int rootPid) => TimeSpan.FromSeconds(ProcessTree.Of(rootPid).Sum(p => p.Ticks) / TicksPerSecond);
}
