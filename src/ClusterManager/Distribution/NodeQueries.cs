using System.Collections.Concurrent;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Questions for one node over its sync stream (tlsverify, queue, tracking, reports): the stream
/// attaches itself while it is open; a question waits for the answer with the same id from that
/// same node, or times out. With replicas, a node whose stream another replica holds is asked
/// through it (<see cref="IReplicaChannel"/>), so every replica answers for every node.
/// </summary>
internal sealed class NodeQueries(IReplicaChannel? replicas = null)
{
    private readonly ConcurrentDictionary<string, NodeOutbox> streams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Node, string Id), PendingQuestion> waiting = new();

    /// <summary>Makes the node reachable through this stream until the returned handle is disposed.</summary>
    public IDisposable Attach(string node, NodeOutbox outbox)
    {
        streams[node] = outbox;
        return new Detach(() => streams.TryRemove(new KeyValuePair<string, NodeOutbox>(node, outbox)));
    }

    /// <summary>The nodes whose streams are open on this manager.</summary>
    public IReadOnlyList<string> Connected => [.. streams.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// The nodes a question can reach: those connected here first (no relay), then, with replicas,
    /// those the store shows connected to another replica.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReachableAsync(IManagerStore store, CancellationToken cancel)
    {
        var here = Connected;
        if (replicas is null)
        {
            return here;
        }

        var elsewhere = (await store.ListNodesAsync(cancel)).Where(n => n.Connected && !here.Contains(n.Name)).Select(n => n.Name).Order(StringComparer.Ordinal);
        return [.. here, .. elsewhere];
    }

    /// <summary>Starts answering other replicas' questions for the nodes connected here, and taking their answers.</summary>
    public Task ListenToReplicasAsync() =>
        replicas?.SubscribeAsync(
            question => _ = AnswerForReplicaAsync(question),
            answer =>
            {
                if (answer.NotConnected)
                {
                    NotConnectedThere(answer.Node, answer.Id);
                }
                else
                {
                    Complete(answer.Node, answer.Answer);
                }
            },
            broadcast =>
            {
                if (broadcast.FromReplica != replicas.ReplicaId)
                {
                    TellHere(broadcast.Message, broadcast.ExceptNode);
                }
            }) ?? Task.CompletedTask;

    /// <summary>
    /// Queues a message for every node, without waiting: those connected here at once, those of
    /// other replicas through them. A node not taking it gets what it needs when its stream opens again.
    /// </summary>
    public async Task TellEveryNodeAsync(ManagerMessage message, string? except)
    {
        TellHere(message, except);
        if (replicas is not null)
        {
            try
            {
                await replicas.PublishBroadcastAsync(new RelayedBroadcast { Message = message, ExceptNode = except ?? "", FromReplica = replicas.ReplicaId });
            }
            catch (StoreException)
            {
                // The other replicas' nodes get it when their streams reopen.
            }
        }
    }

    /// <summary>An answer read from <paramref name="node"/>'s stream: only a question asked of that node takes it.</summary>
    public void Answered(string node, QueryAnswer answer)
    {
        answer.Error = NodeText.Bounded(answer.Error, 1000);
        Complete(node, answer);
    }

    // Queues a message that wants no answer, without waiting; false when the node is not connected here or not reading.
    private bool Tell(string node, ManagerMessage message) =>
        streams.TryGetValue(node, out var outbox) && outbox.TryPost(message);

    /// <summary>Asks one node, on its stream here or through the replica that holds it; the answer is awaited up to <paramref name="timeout"/>, the sending never.</summary>
    public async Task<QueryAnswer> AskAsync(string node, NodeQuery query, TimeSpan timeout, CancellationToken cancel)
    {
        var here = streams.TryGetValue(node, out var outbox);
        if (!here && replicas is null)
        {
            throw new NodeUnreachableException($"node {node} is not connected to this manager");
        }

        query.Id = Guid.NewGuid().ToString("N");
        var pending = new PendingQuestion(node);
        waiting[(node, query.Id)] = pending;
        try
        {
            if (here && !outbox!.TryPost(new ManagerMessage { Query = query }))
            {
                throw new NodeUnreachableException($"node {node} is not reading its stream");
            }

            if (!here)
            {
                pending.OtherReplicas(await RelayAsync(node, query, timeout) - 1);
            }

            return await pending.Answer.Task.WaitAsync(timeout, cancel);
        }
        catch (TimeoutException)
        {
            throw new NodeUnreachableException(here
                ? $"node {node} did not answer within {timeout.TotalSeconds:F0} s"
                : $"node {node} did not answer within {timeout.TotalSeconds:F0} s through any manager replica (it is connected to none, or its replica did not relay)");
        }
        finally
        {
            waiting.TryRemove((node, query.Id), out _);
        }
    }

    private void TellHere(ManagerMessage message, string? except)
    {
        foreach (var node in Connected.Where(n => n != except))
        {
            Tell(node, message);
        }
    }

    // How many replicas received the question, this one among them.
    private async Task<long> RelayAsync(string node, NodeQuery query, TimeSpan timeout)
    {
        try
        {
            return await replicas!.PublishQuestionAsync(new RelayedQuestion
            {
                Id = query.Id, Node = node, Query = query, ReplyTo = replicas.ReplicaId, TimeoutMs = (int)timeout.TotalMilliseconds,
            });
        }
        catch (StoreException e)
        {
            throw new NodeUnreachableException($"node {node} is not connected to this manager, and the other replicas cannot be asked: {e.Message}");
        }
    }

    private void Complete(string node, QueryAnswer answer)
    {
        if (waiting.TryRemove((node, answer.Id), out var question))
        {
            question.Answer.TrySetResult(answer);
        }
    }

    private void NotConnectedThere(string node, string id)
    {
        if (waiting.TryGetValue((node, id), out var question))
        {
            question.NotConnectedThere();
        }
    }

    // Another replica's question for a node connected here: asked here, answered to that replica
    // under its own question id. A node not connected here is another replica's to answer.
    private async Task AnswerForReplicaAsync(RelayedQuestion relayed)
    {
        if (replicas is null || relayed.ReplyTo == replicas.ReplicaId)
        {
            return;
        }

        if (!streams.ContainsKey(relayed.Node))
        {
            await TryPublishAsync(relayed.ReplyTo, new RelayedAnswer { Id = relayed.Id, Node = relayed.Node, NotConnected = true });
            return;
        }

        QueryAnswer answer;
        try
        {
            answer = await AskAsync(relayed.Node, relayed.Query, TimeSpan.FromMilliseconds(Math.Clamp(relayed.TimeoutMs, 1000, 120_000)), CancellationToken.None);
        }
        catch (NodeUnreachableException e)
        {
            answer = new QueryAnswer { Error = e.Message };
        }

        answer.Id = relayed.Id;
        await TryPublishAsync(relayed.ReplyTo, new RelayedAnswer { Id = relayed.Id, Node = relayed.Node, Answer = answer });
    }

    private async Task TryPublishAsync(string replica, RelayedAnswer answer)
    {
        try
        {
            await replicas!.PublishAnswerAsync(replica, answer);
        }
        catch (StoreException)
        {
            // The asker times out and says so.
        }
    }

    /// <summary>
    /// A question waiting for its answer. Asked through the other replicas, it also counts those
    /// that do not hold the node: once all of them have said so, the node is connected to none.
    /// </summary>
    private sealed class PendingQuestion(string node)
    {
        private int notConnected;
        private long others = long.MaxValue;

        public TaskCompletionSource<QueryAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OtherReplicas(long count)
        {
            Interlocked.Exchange(ref others, count);
            Check();
        }

        public void NotConnectedThere()
        {
            Interlocked.Increment(ref notConnected);
            Check();
        }

        private void Check()
        {
            if (Volatile.Read(ref notConnected) >= Interlocked.Read(ref others))
            {
                Answer.TrySetException(new NodeUnreachableException($"node {node} is not connected to any manager replica"));
            }
        }
    }

    private sealed class Detach(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary>A node that cannot be asked now: not connected here, or silent.</summary>
internal sealed class NodeUnreachableException(string message) : Exception(message);
