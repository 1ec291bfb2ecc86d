using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Takes a node out of the cluster (CL-3): its certificate is revoked, its stream closed and
/// its machine-level configuration deleted. Returns how many machine-level settings went.
/// </summary>
internal sealed class NodeRemoval(
    IManagerStore store, ConfigurationService configuration, NodeConnections connections, AuditLog audit, TimeProvider time)
{
    public async Task<int> RemoveAsync(string name, string actor, CancellationToken cancel = default)
    {
        // Revoke first, so the node cannot receive a snapshot without its machine level.
        var node = await store.GetNodeAsync(name, cancel);
        if (node is not null)
        {
            await store.RemoveNodeAsync(name, new RevokedCertificate
            {
                Serial = node.CertificateSerial,
                NodeName = name,
                RevokedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            }, cancel);
            connections.Disconnect(name);
        }

        // Also finishes a removal that was interrupted after the revocation.
        var removed = await configuration.DeleteMachineLevelAsync(name, actor, cancel);
        if (node is null && removed == 0)
        {
            throw new ChangeRejectedException($"there is no node named '{name}' (see 'nodes list')");
        }

        await audit.RecordAsync(actor, "node remove",
            $"node {name} removed; certificate {node?.CertificateSerial ?? "(already revoked)"} revoked; {removed} machine-level settings deleted", cancel);
        return removed;
    }
}
