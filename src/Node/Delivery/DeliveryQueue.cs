using Gatehouse.Node.Alerts;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// Delivers the durable queue (OUT-1..5). Each message's pending recipients are split by
/// domain and by the destination control's recipients per message into work items; each
/// domain has its own queue and up to its concurrent-connection limit of connections, each
/// sending up to its messages-per-connection limit. When an attempt is over the message is
/// settled: finished (removed, bounces sent) or put back to wait for its next retry.
/// </summary>
internal sealed partial class DeliveryQueue(
    MessageSpool spool, CurrentConfig config, OutboundConnector connector, AlertMailer alerts, MailLog log, NodeMetrics metrics, TimeProvider time, ILogger<DeliveryQueue> logger)
    : BackgroundService
{
    /// <summary>SIGUSR1: <c>gatehouse-node queue flush</c> asks the running node to make every waiting message due.</summary>
    public const int FlushSignal = 10;

    // How often a message held only by suspended domains is looked at (for its queue lifetime).
    private static readonly TimeSpan SuspendedRecheck = TimeSpan.FromMinutes(5);

    // A quarantined message waits for the administrator; it is only looked at again now and then.
    private static readonly TimeSpan QuarantineRecheck = TimeSpan.FromHours(1);
    private readonly Lock gate = new();
    private readonly Dictionary<string, Destination> destinations = new(StringComparer.OrdinalIgnoreCase);
    private readonly PriorityQueue<QueuedMessage, DateTimeOffset> waiting = new();
    private readonly HashSet<Task> running = [];
    private readonly HashSet<long> loadedAtStart = [];

    // Domains whose last connection attempt failed; the first connection that works again
    // releases their waiting messages at once (to be sent within the domain's limits).
    private readonly HashSet<string> unreachable = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken stopping;

    /// <summary>Makes every waiting message due now (the appliance's <c>delivernow</c>).</summary>
    public void DeliverNow()
    {
        lock (gate)
        {
            var all = new List<QueuedMessage>();
            while (waiting.TryDequeue(out var message, out _))
            {
                all.Add(message);
            }

            foreach (var message in all)
            {
                waiting.Enqueue(message, DateTimeOffset.MinValue);
            }
        }

        Wake();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stopping = stoppingToken;
        try
        {
            while (config.Snapshot is null)
            {
                await config.Changed.WaitAsync(stoppingToken);
            }

            LoadQueue();
            _ = Track(ReceiveArrivalsAsync());
            while (!stoppingToken.IsCancellationRequested)
            {
                Task signal;
                lock (gate)
                {
                    signal = wake.Task;
                }

                var delay = ReleaseDue();
                try
                {
                    await signal.WaitAsync(delay, time, stoppingToken);
                }
                catch (TimeoutException)
                {
                    // The next retry is due.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is not settled stays on disk for the next start.
        }

        await WaitForRunningWorkAsync();
    }

    /// <summary>
    /// At stop: transactions under way finish (see <see cref="FinishingOnStop"/>) and their
    /// outcomes are settled on disk, which tracks work of its own, so the wait takes what is
    /// running until nothing is, or the time is up.
    /// </summary>
    private async Task WaitForRunningWorkAsync()
    {
        var until = DateTimeOffset.UtcNow + FinishingOnStop.Grace + TimeSpan.FromSeconds(10);
        while (true)
        {
            Task[] left;
            lock (gate)
            {
                left = [.. running];
            }

            var remaining = until - DateTimeOffset.UtcNow;
            if (left.Length == 0 || remaining <= TimeSpan.Zero)
            {
                return;
            }

            await Task.WhenAll(left).WaitAsync(remaining, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void LoadQueue()
    {
        var now = time.GetUtcNow();
        foreach (var envelope in spool.Envelopes())
        {
            var message = new QueuedMessage(envelope, spool.ReadProgress(envelope.Mid), now);
            lock (gate)
            {
                loadedAtStart.Add(envelope.Mid);
                waiting.Enqueue(message, message.NextAttemptAt);
            }
        }

        LogQueueLoaded(logger, loadedAtStart.Count);
    }

    private async Task ReceiveArrivalsAsync()
    {
        await foreach (var envelope in spool.Arrivals.ReadAllAsync(stopping))
        {
            lock (gate)
            {
                // Committed while the queue was read at start: it was loaded then (and may be delivered already).
                if (loadedAtStart.Contains(envelope.Mid))
                {
                    continue;
                }

                Release(new QueuedMessage(envelope, null, time.GetUtcNow()));
            }
        }
    }

    /// <summary>Starts every message whose time has come; returns the wait until the next one.</summary>
    private TimeSpan ReleaseDue()
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            while (waiting.TryPeek(out var message, out var due) && due <= now)
            {
                waiting.Dequeue();
                Release(message);
            }

            return waiting.TryPeek(out _, out var next) ? next - now : Timeout.InfiniteTimeSpan;
        }
    }

    // Under the lock.
    private void Release(QueuedMessage message)
    {
        if (message.Quarantined)
        {
            waiting.Enqueue(message, time.GetUtcNow() + QuarantineRecheck);
            return;
        }

        var snapshot = config.Snapshot!;
        var items = message.PendingByDomain(d => (int)snapshot.DestinationControl(d).MaxRecipientsPerMessage).ToList();
        if (items.Count > 0 && items.All(i => suspended.Contains(i.Domain))
            && time.GetUtcNow() - message.Envelope.ReceivedAt < RetrySchedule.From(snapshot.Config.System?.Queue).Lifetime)
        {
            // Only suspended domains left: nothing is tried; resuming one releases it at once.
            waiting.Enqueue(message, time.GetUtcNow() + SuspendedRecheck);
            return;
        }

        // Past its lifetime a suspended message is settled (and bounced) like any other.
        items.RemoveAll(i => suspended.Contains(i.Domain));
        message.Outstanding = items.Count;
        if (items.Count == 0)
        {
            Track(SettleAsync(message));
            return;
        }

        foreach (var (domain, rids) in items)
        {
            if (RequireTlsPolicy.Unmet(message.Envelope, domain, snapshot.DestinationControl(domain)) is { } unmet)
            {
                // Nothing to try: no connection under this policy could carry it.
                var outcome = TransactionOutcome.AllBounced(rids, unmet);
                LogOutcome(0, message.Mid, outcome);
                Track(CompleteAsync(new WorkItem(message, rids), outcome));
                continue;
            }

            var lane = DeliveryLanes.Of(message.Envelope);
            var key = Destination.KeyOf(domain, lane);
            if (!destinations.TryGetValue(key, out var destination))
            {
                destinations[key] = destination = new Destination(domain, lane);
            }

            destination.Add(new WorkItem(message, rids));
            Pump(destination, snapshot);
        }
    }

    // Under the lock: opens connections, up to the limit, while more work waits than the
    // connections being set up and those sending will take next (a waiting connection took its
    // work already), and in a slow start: no more in set-up at once than are sending (one at
    // first). So a connection is opened for a backlog, not for a message that a busy connection
    // takes a moment later, and the number open follows the destination's pace.
    private void Pump(Destination destination, NodeSnapshot snapshot)
    {
        var control = snapshot.DestinationControl(destination.Domain);
        while (destination.Items.Count > destination.Active - destination.Idle
            && destination.Connecting < Math.Max(1, destination.Active - destination.Connecting - destination.Idle)
            && destination.Active < control.MaxConcurrentConnections && !stopping.IsCancellationRequested)
        {
            destination.Active++;
            destination.Connecting++;
            Track(RunConnectionAsync(destination, snapshot, control));
        }
    }

    /// <summary>
    /// A domain answers again: its deferred messages need not wait out their backoff. They go
    /// to the domain's queue, which its connection limit drains; one scan per recovery.
    /// </summary>
    private void Recovered(string domain)
    {
        lock (gate)
        {
            if (!unreachable.Remove(domain))
            {
                return;
            }

            var released = ReleaseWaitingFor(domain);
            if (released > 0)
            {
                log.DestinationAnswersAgain(domain, released);
            }
        }
    }

    private Task Track(Task task)
    {
        lock (gate)
        {
            running.Add(task);
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (gate)
                {
                    running.Remove(t);
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    private void Wake()
    {
        TaskCompletionSource fired;
        lock (gate)
        {
            fired = wake;
            wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
    }

    [LoggerMessage(1400, LogLevel.Information, "Delivery queue loaded: {Count} messages")]
    private static partial void LogQueueLoaded(ILogger logger, int count);

    [LoggerMessage(1401, LogLevel.Error, "Delivery to {Domain} failed unexpectedly; its messages stay queued")]
    private static partial void LogConnectionFault(ILogger logger, string domain, Exception exception);
}
