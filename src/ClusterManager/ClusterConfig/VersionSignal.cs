namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>
/// Wakes every node stream when a new version is committed. Streams also re-read the
/// store on a timer, so a missed wake-up only delays a push.
/// </summary>
internal sealed class VersionSignal
{
    private TaskCompletionSource changed = New();

    public void Publish() => Interlocked.Exchange(ref changed, New()).TrySetResult();

    /// <summary>
    /// The next publish, taken before the store is read: a commit made between the read and the
    /// wait then still wakes the waiter (the order go-control-plane's watches keep).
    /// </summary>
    public Task Next() => Volatile.Read(ref changed).Task;

    /// <summary>Completes when <paramref name="next"/> does, or after <paramref name="recheck"/>.</summary>
    public static async Task WaitAsync(Task next, TimeSpan recheck, CancellationToken cancel)
    {
        await Task.WhenAny(next, Task.Delay(recheck, cancel));
        cancel.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
