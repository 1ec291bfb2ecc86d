namespace Gatehouse.Node.Delivery;

/// <summary>Recipients of one message for one domain, sent in one transaction.</summary>
internal sealed record WorkItem(QueuedMessage Message, IReadOnlyList<int> Rids);

/// <summary>
/// The per-domain queue: work waiting for a connection, the connections open or being opened
/// (counted against the destination control's limit), and the open connections waiting for
/// work. Work goes to a waiting connection before it is queued: to one that has carried
/// nothing yet first (it was opened for work), else to the one that waited least, so steady
/// traffic keeps a few connections busy and the rest run out their idle time.
/// Changed only under the queue's lock.
/// </summary>
internal sealed class Destination(string domain, DeliveryLane lane = DeliveryLane.Ordinary)
{
    private readonly LinkedList<TaskCompletionSource<WorkItem>> waitingFresh = new();
    private readonly LinkedList<TaskCompletionSource<WorkItem>> waiting = new();

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
    public int Idle => waitingFresh.Count + waiting.Count;

    /// <summary>Hands the work to a waiting connection (see the class), or queues it when none waits.</summary>
    public void Add(WorkItem item)
    {
        var list = waitingFresh.Count > 0 ? waitingFresh : waiting;
        if (list.Last is { } newest)
        {
            list.RemoveLast();
            newest.Value.SetResult(item);
        }
        else
        {
            Items.Enqueue(item);
        }
    }

    /// <summary>A connection's wait for work (<paramref name="fresh"/>: it has carried nothing yet); <see cref="StopWaiting"/> when it gives up.</summary>
    public LinkedListNode<TaskCompletionSource<WorkItem>> Wait(bool fresh) =>
        (fresh ? waitingFresh : waiting).AddLast(new TaskCompletionSource<WorkItem>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>False when work was handed to this wait meanwhile (it is in the wait's task).</summary>
    public bool StopWaiting(LinkedListNode<TaskCompletionSource<WorkItem>> wait)
    {
        // Handing work takes the wait off its list.
        if (wait.List != waitingFresh && wait.List != waiting)
        {
            return false;
        }

        wait.List.Remove(wait);
        return true;
    }
}
