namespace Gatehouse.Node.Sync;

/// <summary>Backoff and heartbeat periods of the sync loop.</summary>
internal sealed record SyncTimings(TimeSpan FirstRetry, TimeSpan MaxRetry, TimeSpan Heartbeat)
{
    public static SyncTimings Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10));
}
