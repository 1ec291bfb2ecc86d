namespace Gatehouse.Node.Sync;

/// <summary>Backoff, heartbeat and report periods of the sync loop.</summary>
/// <param name="HarvestReport">How often refused recipients go to the manager: how far a harvester spreading over the nodes may run ahead of the cluster's count.</param>
internal sealed record SyncTimings(TimeSpan FirstRetry, TimeSpan MaxRetry, TimeSpan Heartbeat, TimeSpan HarvestReport)
{
    public static SyncTimings Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
}
