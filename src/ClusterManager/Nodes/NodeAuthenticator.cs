using System.Security.Claims;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Grpc.Core;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Only a current member may use the node RPCs (CL-9): the caller's certificate, already
/// checked by <see cref="NodeCertificateHandler"/>, must be the one the registry holds for that
/// name and not revoked. A removed node is told to join again (CL-3).
/// </summary>
internal sealed class NodeAuthenticator(IManagerStore store)
{
    public const string RemovedMessage = "node removed from cluster; join again";

    public async Task<NodeRecord> AuthenticateAsync(ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        var name = user.Identity?.Name;
        var serial = user.FindFirstValue(ClaimTypes.SerialNumber);
        if (name is null || serial is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a node certificate is required; join the cluster first"));
        }

        var node = await CurrentMemberAsync(name, serial, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.PermissionDenied, RemovedMessage));
        if (node.CertificateSerial == serial && node.PreviousCertificateSerial.Length > 0)
        {
            // The renewed certificate is in use: the one before it is no longer accepted.
            await store.UpdateNodeAsync(name, record => record.PreviousCertificateSerial = "", context.CancellationToken);
        }

        return node;
    }

    /// <summary>
    /// The registry's record when the node still holds this certificate (or, right after a
    /// renewal, the one before it); null once removed or replaced.
    /// </summary>
    public async Task<NodeRecord?> CurrentMemberAsync(string name, string serial, CancellationToken cancel)
    {
        var node = await store.GetNodeAsync(name, cancel);
        var holds = node is not null && (node.CertificateSerial == serial || (node.PreviousCertificateSerial.Length > 0 && node.PreviousCertificateSerial == serial));
        return !holds || await store.IsRevokedAsync(serial, cancel) ? null : node;
    }
}
