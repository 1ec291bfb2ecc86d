namespace Gatehouse.Node.Delivery;

/// <summary>Recipients of one message for one domain, sent in one transaction.</summary>
internal sealed record WorkItem(QueuedMessage Message, IReadOnlyList<int> Rids);

/// <summary>
/// The per-domain queue: work waiting for a connection, and the connections open or being
/// opened, counted against the destination control's limit. Changed only under the queue's lock.
/// </summary>
internal sealed class Destination(string domain, DeliveryLane lane = DeliveryLane.Ordinary)
{
    public string Domain => domain;

    public DeliveryLane Lane => lane;

    public string Key => KeyOf(domain, lane);

    public static string KeyOf(string domain, DeliveryLane lane) => lane switch
    {
        DeliveryLane.TlsOptional => $"{domain} TLS-Required: No",
        DeliveryLane.RequireTls => $"{domain} REQUIRETLS",
        _ => domain,
    };

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
