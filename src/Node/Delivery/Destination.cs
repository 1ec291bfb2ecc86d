namespace Gatehouse.Node.Delivery;

/// <summary>Recipients of one message for one domain, sent in one transaction.</summary>
internal sealed record WorkItem(QueuedMessage Message, IReadOnlyList<int> Rids);

/// <summary>
/// The per-domain queue: work waiting for a connection, and the connections open or being
/// opened, counted against the destination control's limit. Changed only under the queue's lock.
/// </summary>
internal sealed class Destination(string domain, bool setsAsidePublished = false)
{
    public string Domain => domain;

    /// <summary>
    /// The lane of messages that say <c>TLS-Required: No</c>: their connections are opened
    /// without the domain's DANE and MTA-STS policies, so they never share one with other mail.
    /// </summary>
    public bool SetsAsidePublished => setsAsidePublished;

    public string Key => KeyOf(domain, setsAsidePublished);

    public static string KeyOf(string domain, bool setsAsidePublished) => setsAsidePublished ? $"{domain} TLS-Required: No" : domain;

    public Queue<WorkItem> Items { get; } = new();

    /// <summary>Connections running, in set-up or sending.</summary>
    public int Active { get; set; }

    /// <summary>Connections still in set-up: they take work once the server is ready.</summary>
    public int Connecting { get; set; }

    /// <summary>Open connections with nothing to send, waiting a little for the next message.</summary>
    public int Idle { get; set; }

    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when work is queued next; taken under the lock.</summary>
    public Task Arrival => arrived.Task;

    /// <summary>Wakes idle connections; called under the lock after queuing work.</summary>
    public void SignalArrival() => Interlocked.Exchange(ref arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
