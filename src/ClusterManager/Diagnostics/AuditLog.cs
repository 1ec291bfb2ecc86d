using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Diagnostics;

/// <summary>Who changed what, when (LOG-2). Details never contain secrets: callers pass names, not values.</summary>
internal sealed class AuditLog(IManagerStore store, TimeProvider time)
{
    public Task RecordAsync(string actor, string action, string detail, CancellationToken cancel = default) =>
        store.AppendAuditAsync(new AuditEntry
        {
            At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Actor = actor,
            Action = action,
            Detail = detail,
        }, cancel);
}
