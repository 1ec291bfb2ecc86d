namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Wakes every node stream when a new version is committed. Streams also re-read the
/// store on a timer, so a missed wake-up only delays a push.
/// </summary>
internal sealed class VersionSignal
{
    private TaskCompletionSource changed = New();

    public void Publish() => Interlocked.Exchange(ref changed, New()).TrySetResult();

    /// <summary>Completes at the next publish, or after <paramref name="recheck"/>.</summary>
    public async Task WaitAsync(TimeSpan recheck, CancellationToken cancel)
    {
        var next = Volatile.Read(ref changed).Task;
        await Task.WhenAny(next, Task.Delay(recheck, cancel));
        cancel.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
