using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Grpc.Core;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Only a current member's certificate, signed by the cluster CA, may use the node RPCs
/// (CL-9). A removed node is told to join again (CL-3).
/// </summary>
internal sealed class NodeAuthenticator(IManagerStore store, ClusterCa ca)
{
    public const string RemovedMessage = "node removed from cluster; join again";

    public async Task<NodeRecord> AuthenticateAsync(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a node certificate is required; join the cluster first"));
        if (!ca.Issued(certificate))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the node certificate is not signed by this cluster's CA"));
        }

        var serial = certificate.SerialNumber;
        var name = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
        var node = await store.GetNodeAsync(name, context.CancellationToken);
        if (await store.IsRevokedAsync(serial, context.CancellationToken) || node is null || node.CertificateSerial != serial)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, RemovedMessage));
        }

        return node;
    }
}
