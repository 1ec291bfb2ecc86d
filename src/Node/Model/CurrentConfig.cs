namespace Gatehouse.Node.Model;

/// <summary>Holds the snapshot in force; readers take it without locks, writers swap it whole.</summary>
internal sealed class CurrentConfig
{
    private NodeSnapshot? current;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeSnapshot? Snapshot => Volatile.Read(ref current);

    public long Version => Snapshot?.Version ?? 0;

    /// <summary>Completes at the next swap; services that hold resources (listeners) reconcile then.</summary>
    public Task Changed => Volatile.Read(ref changed).Task;

    public void Swap(NodeSnapshot next)
    {
        Volatile.Write(ref current, next);
        Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
