using System.Threading.Channels;
using Gatehouse.Cluster.V1;
using Grpc.Core;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// What the manager sends one node, written to its stream by one loop of its own. Nobody else
/// waits on that node's reading: others post and go on, and a node that takes longer than the
/// deadline to take one message, or lets the queue fill, is cut off — so one member that stops
/// reading cannot hold up the manager or the other nodes.
/// </summary>
internal sealed partial class NodeOutbox
{
    // Far more than a node in step ever has waiting (a push, a few questions, policies being shared).
    private const int Capacity = 1024;

    private readonly Channel<ManagerMessage> queue = Channel.CreateBounded<ManagerMessage>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly string node;
    private readonly TimeSpan deadline;
    private readonly Action cutOff;
    private readonly ILogger logger;
    private int stalled;

    /// <param name="cutOff">Ends the node's stream; called once, when the node is found not reading.</param>
    public NodeOutbox(string node, IServerStreamWriter<ManagerMessage> responses, TimeSpan deadline, Action cutOff, ILogger logger, CancellationToken cancel)
    {
        this.node = node;
        this.deadline = deadline;
        this.cutOff = cutOff;
        this.logger = logger;
        Writing = WriteAllAsync(responses, cancel);
    }

    /// <summary>Ends when the stream ends or the node is cut off.</summary>
    public Task Writing { get; }

    /// <summary>For anyone but the stream itself: queues without waiting; false when the node is not taking messages.</summary>
    public bool TryPost(ManagerMessage message)
    {
        if (queue.Writer.TryWrite(message))
        {
            return true;
        }

        if (!Writing.IsCompleted)
        {
            Stalled($"{Capacity} messages waiting");
        }

        return false;
    }

    /// <summary>For the stream's own loop: waits for room, up to the deadline.</summary>
    public async Task SendAsync(ManagerMessage message, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(deadline);
        try
        {
            await queue.Writer.WriteAsync(message, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            Stalled($"no room for {deadline.TotalSeconds:F0} s");
            throw new OperationCanceledException(cancel);
        }
        catch (ChannelClosedException)
        {
            // Cut off meanwhile: the stream is ending.
            throw new OperationCanceledException(cancel);
        }
    }

    public void Complete() => queue.Writer.TryComplete();

    private async Task WriteAllAsync(IServerStreamWriter<ManagerMessage> responses, CancellationToken cancel)
    {
        try
        {
            await foreach (var message in queue.Reader.ReadAllAsync(cancel))
            {
                // The write waits on the node's HTTP/2 window: a node that never reads never opens it again.
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                var write = responses.WriteAsync(message, cancel);
                if (await Task.WhenAny(write, Task.Delay(deadline, timer.Token)) != write)
                {
                    Stalled($"one message not taken in {deadline.TotalSeconds:F0} s");
                    return;
                }

                await timer.CancelAsync();
                await write;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The stream ended.
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or RpcException)
        {
            // The stream broke; its loop sees the writing end and closes it.
        }
        finally
        {
            queue.Writer.TryComplete();
        }
    }

    private void Stalled(string why)
    {
        if (Interlocked.Exchange(ref stalled, 1) == 0)
        {
            LogStalled(logger, node, why);
            // Cut off first: whoever then finds the queue closed finds the node cut off too.
            cutOff();
            queue.Writer.TryComplete();
        }
    }

    [LoggerMessage(460, LogLevel.Warning, "Node {Node} is not reading its stream ({Why}); the stream is closed")]
    private static partial void LogStalled(ILogger logger, string node, string why);
}
