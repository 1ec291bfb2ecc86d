using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// The gRPC face of the node service; each call is handed to the service that owns it. Every
/// call needs a node certificate (the endpoint's policy) except Join, which a node makes before
/// it has one and which is guarded by its token.
/// </summary>
internal sealed class NodeGrpcService(
    JoinService join, NodeAuthenticator authenticator, NodeStream stream, NodeRemoval removal) : NodeService.NodeServiceBase
{
    [AllowAnonymous]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimits.Join)]
    public override async Task<JoinResponse> Join(JoinRequest request, ServerCallContext context)
    {
        try
        {
            return await join.JoinAsync(request, Peer(context), context.CancellationToken);
        }
        catch (JoinRefusedException e)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, e.Message));
        }
    }

    public override async Task Sync(
        IAsyncStreamReader<NodeMessage> requestStream, IServerStreamWriter<ManagerMessage> responseStream, ServerCallContext context)
    {
        var node = await authenticator.AuthenticateAsync(context);
        // Headers tell the node at once that it was accepted, before any snapshot is due.
        await context.WriteResponseHeadersAsync(new Metadata());
        var http = context.GetHttpContext();
        await stream.RunAsync(node.Name, http.Connection.ClientCertificate!, Peer(context), requestStream, responseStream, http.Abort, context.CancellationToken);
    }

    public override async Task<LeaveResponse> Leave(LeaveRequest request, ServerCallContext context)
    {
        var node = await authenticator.AuthenticateAsync(context);
        try
        {
            var removed = await removal.RemoveAsync(node.Name, $"node {node.Name}", context.CancellationToken);
            return new LeaveResponse { MachineEntitiesRemoved = removed };
        }
        catch (ChangeRejectedException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
    }

    private static string Peer(ServerCallContext context) =>
        context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? context.Peer;
}
