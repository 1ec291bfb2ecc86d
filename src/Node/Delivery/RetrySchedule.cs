using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// When to try a deferred message again (OUT-5): the wait doubles from the initial retry
/// interval up to the maximum, and a message older than the queue lifetime is bounced.
/// Defaults are the appliance's: 60 s, 3600 s, 3 days. Each wait is spread by up to
/// <see cref="Jitter"/> either way, so messages deferred together are not all retried together.
/// </summary>
internal sealed record RetrySchedule(TimeSpan Initial, TimeSpan Max, TimeSpan Lifetime)
{
    public static RetrySchedule From(QueueSettings? settings) => new(
        Seconds(settings?.InitialRetrySeconds, 60),
        Seconds(settings?.MaxRetrySeconds, 3600),
        Seconds(settings?.MaxQueueLifetimeSeconds, 259_200));

    /// <summary>The wait after the given number of failed attempts (1 for the first).</summary>
    public TimeSpan After(int attempts)
    {
        var wait = Initial.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 40));
        return TimeSpan.FromTicks((long)Math.Min(wait, Math.Max(Max.Ticks, Initial.Ticks)));
    }

    public const double Jitter = 0.15;

    /// <summary>The wait after the given number of failed attempts, spread by up to ±<see cref="Jitter"/>.</summary>
    public TimeSpan Spread(int attempts, Random random) =>
        After(attempts) * (1 + Jitter * ((2 * random.NextDouble()) - 1));

    private static TimeSpan Seconds(uint? value, int fallback) => TimeSpan.FromSeconds(value is > 0 ? value.Value : fallback);
}
