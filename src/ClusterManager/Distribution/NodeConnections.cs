using System.Collections.Concurrent;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// The node streams open on this manager, so that removing a node can close its stream. A stopping
/// manager closes them all at once: its nodes go to another replica (or retry) at once, and the
/// stop does not wait out the host's shutdown timeout for streams that never end by themselves.
/// </summary>
internal sealed class NodeConnections(IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> open = new(StringComparer.Ordinal);

    /// <summary>Registers a stream; the returned source is cancelled when the node is removed or reconnects.</summary>
    public CancellationTokenSource Register(string node, CancellationToken callCancelled)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, lifetime.ApplicationStopping);
        if (open.TryRemove(node, out var previous))
        {
            previous.Cancel();
        }

        open[node] = source;
        return source;
    }

    public void Unregister(string node, CancellationTokenSource source) =>
        open.TryRemove(new KeyValuePair<string, CancellationTokenSource>(node, source));

    public void Disconnect(string node)
    {
        if (open.TryRemove(node, out var source))
        {
            source.Cancel();
        }
    }

    public bool IsConnected(string node) => open.ContainsKey(node);
}
