using Gatehouse.Cluster.V1;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Sync;
using Grpc.Core;

namespace Gatehouse.Node.Cli;

/// <summary>
/// <c>gatehouse-node leave</c> (CL-3): the manager deletes this node's machine-level
/// configuration and revokes its certificate; then the local membership is deleted.
/// </summary>
internal static class LeaveCommand
{
    public static async Task<int> RunAsync(NodePaths paths, CancellationToken cancel)
    {
        var identity = NodeIdentity.Load(paths);
        using var certificate = NodeIdentity.LoadCertificate(paths);
        using var ca = NodeIdentity.LoadClusterCa(paths);
        LeaveResponse? response = null;
        using (var channel = ManagerTls.ForMember(identity.Managers[0], certificate, ca))
        {
            try
            {
                response = await new NodeService.NodeServiceClient(channel).LeaveAsync(new LeaveRequest(), cancellationToken: cancel);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied)
            {
                Console.Error.WriteLine($"The manager no longer knows this node ({e.Status.Detail}); deleting the local membership.");
            }
            catch (RpcException e)
            {
                throw new NodeCliException(
                    $"cannot reach the manager at {identity.Managers[0]} ({e.Status.Detail}); the node is still a member. Ask an admin to run 'gatehouse-manager nodes remove {identity.Name}'");
            }
        }

        foreach (var path in new[] { paths.Identity, paths.Certificate, paths.Key, paths.ClusterCa, paths.LastGood, paths.Status })
        {
            File.Delete(path);
        }

        Console.WriteLine(response is null
            ? $"Node {identity.Name} left the cluster."
            : $"Node {identity.Name} left the cluster; {response.MachineEntitiesRemoved} machine-level setting(s) were deleted on the manager.");
        return 0;
    }
}
