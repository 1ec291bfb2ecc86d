using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Records what each node reports: connection, last seen, applied version, last error (CL-6).
/// Status is soft state: when the store is unreachable an update is dropped, not the node
/// (said once when updates start failing and once when they work again, not per heartbeat).
/// </summary>
internal sealed partial class NodeStatus(IManagerStore store, TimeProvider time, ILogger<NodeStatus> logger)
{
    private int failing;

    public Task ConnectedAsync(string node, string address, Hello hello) =>
        Update(node, record =>
        {
            record.Connected = true;
            record.Address = address;
            record.AppliedVersion = hello.AppliedVersion;
            record.SoftwareVersion = hello.SoftwareVersion;
            record.KnownSettings.Clear();
            record.KnownSettings.AddRange(hello.KnownSettings);
            record.LastSeen = Now();
        });

    public Task AppliedAsync(string node, long version) =>
        Update(node, record =>
        {
            record.AppliedVersion = version;
            record.LastError = "";
            record.LastSeen = Now();
        });

    /// <summary>Records the refusal and raises its alert (once per node and version).</summary>
    public async Task RejectedAsync(string node, Nack nack)
    {
        await Update(node, record =>
        {
            record.LastError = $"version {nack.Version} refused: " +
                string.Join("; ", nack.Errors.Select(Configuration.Validation.ValidationErrors.Format));
            record.LastSeen = Now();
        });
        try
        {
            await store.TryAddAlertAsync(Alerts.NodeAlerts.Refused(node, nack, time.GetUtcNow()));
        }
        catch (StoreException e)
        {
            LogAlertDropped(logger, node, nack.Version, e.Message);
        }
    }

    public Task SeenAsync(string node, long appliedVersion) =>
        Update(node, record =>
        {
            record.AppliedVersion = appliedVersion;
            record.LastSeen = Now();
        });

    public Task DisconnectedAsync(string node) =>
        Update(node, record =>
        {
            record.Connected = false;
            record.LastSeen = Now();
        });

    private Timestamp Now() => Timestamp.FromDateTimeOffset(time.GetUtcNow());

    private async Task Update(string node, Action<Manager.V1.NodeRecord> change)
    {
        try
        {
            await store.UpdateNodeAsync(node, change);
            if (Interlocked.Exchange(ref failing, 0) == 1)
            {
                LogRecovered(logger);
            }
        }
        catch (StoreException e)
        {
            // The node reports again on its next heartbeat.
            if (Interlocked.Exchange(ref failing, 1) == 0)
            {
                LogDropped(logger, node, e.Message);
            }
        }
    }

    [LoggerMessage(110, LogLevel.Warning, "Node status updates are dropped while the store is unreachable (first: node {Node}): {Reason}")]
    private static partial void LogDropped(ILogger logger, string node, string reason);

    [LoggerMessage(112, LogLevel.Error, "The alert for node {Node} refusing version {Version} was not recorded: {Reason}")]
    private static partial void LogAlertDropped(ILogger logger, string node, long version, string reason);

    [LoggerMessage(111, LogLevel.Information, "Node status updates are stored again")]
    private static partial void LogRecovered(ILogger logger);
}
