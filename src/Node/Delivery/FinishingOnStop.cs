namespace Gatehouse.Node.Delivery;

/// <summary>
/// The cancellation of one outbound transaction: not when the node starts stopping, but a grace
/// period later. Cancelled after its final '.', a transaction may have been taken by the receiver
/// while the message stays queued here, and it would go out again after the restart.
/// </summary>
internal sealed class FinishingOnStop : IDisposable
{
    /// <summary>Within the queue's wait for its work at stop, and long enough for a receiver's answer to '.'.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource finishing = new();
    private readonly CancellationTokenRegistration onStop;

    public FinishingOnStop(CancellationToken stopping)
    {
        onStop = stopping.Register(() => finishing.CancelAfter(Grace));
    }

    public CancellationToken Token => finishing.Token;

    public void Dispose()
    {
        // Unregistered first, so a stop that comes later never touches a disposed source.
        onStop.Dispose();
        finishing.Dispose();
    }
}
