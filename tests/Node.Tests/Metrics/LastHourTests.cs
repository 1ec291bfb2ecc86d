using Gatehouse.Node.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Node.Tests.Metrics;

/// <summary>The last hour's counts slide minute by minute and forget what is older.</summary>
public sealed class LastHourTests
{
    [Fact]
    public void Counts_of_the_last_sixty_minutes_are_summed_and_older_ones_forgotten()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 30, TimeSpan.Zero));
        var hour = new LastHour(clock);
        hour.Add(Activity.Accepted, 3);
        hour.Add(Activity.TlsInboundFailed);
        clock.Advance(TimeSpan.FromMinutes(30));
        hour.Add(Activity.Accepted, 2);
        Assert.Equal((5, 1, 0), (hour.Totals()[Activity.Accepted], hour.Totals()[Activity.TlsInboundFailed], hour.Totals()[Activity.Delivered]));

        // The first minute's bucket ages out after an hour; the same bucket, reused, starts from zero.
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal((2, 0), (hour.Totals()[Activity.Accepted], hour.Totals()[Activity.TlsInboundFailed]));
        hour.Add(Activity.Accepted);
        Assert.Equal(3, hour.Totals()[Activity.Accepted]);

        clock.Advance(TimeSpan.FromHours(5));
        Assert.All(hour.Totals().Values, count => Assert.Equal(0, count));
    }
}
