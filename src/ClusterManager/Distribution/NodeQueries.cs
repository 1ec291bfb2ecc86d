using System.Collections.Concurrent;
using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Questions for one node over its sync stream (tlsverify): the stream attaches itself while it
/// is open; a question waits for the answer with the same id from that same node, or times out.
/// </summary>
internal sealed class NodeQueries
{
    private readonly ConcurrentDictionary<string, NodeOutbox> streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Node, string Id), TaskCompletionSource<QueryAnswer>> waiting = new();

    /// <summary>Makes the node reachable through this stream until the returned handle is disposed.</summary>
    public IDisposable Attach(string node, NodeOutbox outbox)
    {
        streams[node] = outbox;
        return new Detach(() => streams.TryRemove(new KeyValuePair<string, NodeOutbox>(node, outbox)));
    }

    /// <summary>The nodes whose streams are open on this manager.</summary>
    public IReadOnlyList<string> Connected => [.. streams.Keys.Order(StringComparer.Ordinal)];

    /// <summary>An answer read from <paramref name="node"/>'s stream: only a question asked of that node takes it.</summary>
    public void Answered(string node, QueryAnswer answer)
    {
        if (waiting.TryRemove((node, answer.Id), out var question))
        {
            answer.Error = NodeText.Bounded(answer.Error, 1000);
            question.TrySetResult(answer);
        }
    }

    /// <summary>Queues a message that wants no answer, without waiting; false when the node is not connected here or not reading.</summary>
    public bool Tell(string node, ManagerMessage message) =>
        streams.TryGetValue(node, out var outbox) && outbox.TryPost(message);

    /// <summary>Asks one node; the answer is awaited up to <paramref name="timeout"/>, the sending never.</summary>
    public async Task<QueryAnswer> AskAsync(string node, NodeQuery query, TimeSpan timeout, CancellationToken cancel)
    {
        if (!streams.TryGetValue(node, out var outbox))
        {
            throw new NodeUnreachableException($"node {node} is not connected to this manager");
        }

        query.Id = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<QueryAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        waiting[(node, query.Id)] = answer;
        try
        {
            if (!outbox.TryPost(new ManagerMessage { Query = query }))
            {
                throw new NodeUnreachableException($"node {node} is not reading its stream");
            }

            return await answer.Task.WaitAsync(timeout, cancel);
        }
        catch (TimeoutException)
        {
            throw new NodeUnreachableException($"node {node} did not answer within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            waiting.TryRemove((node, query.Id), out _);
        }
    }

    private sealed class Detach(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary>A node that cannot be asked now: not connected here, or silent.</summary>
internal sealed class NodeUnreachableException(string message) : Exception(message);
