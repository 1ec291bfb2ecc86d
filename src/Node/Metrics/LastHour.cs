namespace Gatehouse.Node.Metrics;

/// <summary>What the node counts over the last hour for the cluster's status view.</summary>
internal enum Activity
{
    Accepted,
    Delivered,
    Deferred,
    Bounced,
    TlsInboundSucceeded,
    TlsInboundFailed,
    TlsOutboundSucceeded,
    TlsOutboundFailed,
}

/// <summary>
/// Counts of the last 60 minutes, in one-minute buckets: a bucket is reused (cleared) when its
/// minute comes round again, so the window slides without a timer and costs a few hundred bytes.
/// </summary>
internal sealed class LastHour(TimeProvider time)
{
    private const int Minutes = 60;
    private static readonly int Kinds = Enum.GetValues<Activity>().Length;
    private readonly long[] counts = new long[Minutes * Kinds];
    private readonly long[] bucketMinute = new long[Minutes];
    private readonly Lock gate = new();

    public void Add(Activity activity, long count = 1)
    {
        var minute = Minute();
        lock (gate)
        {
            var bucket = Bucket(minute);
            counts[(bucket * Kinds) + (int)activity] += count;
        }
    }

    /// <summary>Each kind's total over the 60 minutes up to now.</summary>
    public IReadOnlyDictionary<Activity, long> Totals()
    {
        var now = Minute();
        var totals = Enum.GetValues<Activity>().ToDictionary(a => a, _ => 0L);
        lock (gate)
        {
            for (var bucket = 0; bucket < Minutes; bucket++)
            {
                if (now - bucketMinute[bucket] < Minutes)
                {
                    foreach (var activity in totals.Keys.ToList())
                    {
                        totals[activity] += counts[(bucket * Kinds) + (int)activity];
                    }
                }
            }
        }

        return totals;
    }

    // Called under the lock: the bucket of this minute, cleared if it last held an older minute.
    private int Bucket(long minute)
    {
        var bucket = (int)(minute % Minutes);
        if (bucketMinute[bucket] != minute)
        {
            bucketMinute[bucket] = minute;
            Array.Clear(counts, bucket * Kinds, Kinds);
        }

        return bucket;
    }

    private long Minute() => time.GetUtcNow().ToUnixTimeSeconds() / 60;
}
