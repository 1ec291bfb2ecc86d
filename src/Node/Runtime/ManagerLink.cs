using Gatehouse.Cluster.V1;
using Grpc.Core;

namespace Gatehouse.Node.Runtime;

/// <summary>
/// The stream to the manager while one is open, for what the node tells it of its own accord
/// (besides answers to questions): another part of the node asks whether it got through.
/// </summary>
internal sealed class ManagerLink
{
    private Func<NodeMessage, Task>? send;

    public void Open(Func<NodeMessage, Task> writer) => Volatile.Write(ref send, writer);

    public void Close() => Volatile.Write(ref send, null);

    /// <summary>Whether the message was written on an open stream; false between sessions.</summary>
    public async Task<bool> TryTellAsync(NodeMessage message)
    {
        if (Volatile.Read(ref send) is not { } writer)
        {
            return false;
        }

        try
        {
            await writer(message);
            return true;
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }
}
