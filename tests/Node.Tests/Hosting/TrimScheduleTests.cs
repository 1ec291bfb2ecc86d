using Gatehouse.Node.Hosting;

namespace Gatehouse.Node.Tests.Hosting;

public sealed class TrimScheduleTests
{
    private const long MB = 1 << 20;

    [Fact]
    public void A_grown_node_is_trimmed_at_its_first_quiet_period_and_not_again_until_it_grows_again()
    {
        var schedule = new TrimSchedule(allocated: 0, resident: 100 * MB);

        // Busy and growing: never while allocating.
        Assert.False(schedule.Observe(40 * MB, 120 * MB));
        Assert.False(schedule.Observe(80 * MB, 130 * MB));

        // Quiet: trimmed once.
        Assert.True(schedule.Observe(80 * MB + 10_000, 130 * MB));
        schedule.Trimmed(110 * MB);
        Assert.False(schedule.Observe(80 * MB + 20_000, 110 * MB));
        Assert.False(schedule.Observe(80 * MB + 30_000, 113 * MB));

        // Grown by 4 MB since the trim, and quiet again.
        Assert.True(schedule.Observe(80 * MB + 40_000, 114 * MB));
    }

    [Fact]
    public void Steady_load_without_growth_is_never_trimmed()
    {
        var schedule = new TrimSchedule(allocated: 0, resident: 100 * MB);
        for (var period = 1; period <= 100; period++)
        {
            Assert.False(schedule.Observe(period * 50 * MB, 100 * MB + (period % 3) * MB));
        }

        // Quiet after it, without having grown: nothing to give back.
        Assert.False(schedule.Observe(5000 * MB + 1, 101 * MB));
    }

    [Fact]
    public void Growth_counts_from_the_lowest_resident_set_seen()
    {
        var schedule = new TrimSchedule(allocated: 0, resident: 120 * MB);
        Assert.False(schedule.Observe(100, 100 * MB));
        Assert.True(schedule.Observe(200, 104 * MB));
    }
}
