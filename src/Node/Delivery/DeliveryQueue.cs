using Gatehouse.Cluster.V1;
using Gatehouse.Node.Alerts;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// Delivers the durable queue (OUT-1..5). Each message's pending recipients are split by
/// domain and by the destination control's recipients per message into work items; each
/// domain has its own queue and up to its concurrent-connection limit of connections, each
/// sending up to its messages-per-connection limit. When an attempt is over the message is
/// settled: finished (removed, bounces sent) or put back to wait for its next retry.
/// </summary>
internal sealed partial class DeliveryQueue(
    MessageSpool spool, CurrentConfig config, OutboundConnector connector, AlertMailer alerts, MailLog log, TimeProvider time, ILogger<DeliveryQueue> logger)
    : BackgroundService
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, QueuedMessage> messages = [];
    private readonly Dictionary<string, Destination> destinations = new(StringComparer.OrdinalIgnoreCase);
    private readonly PriorityQueue<QueuedMessage, DateTimeOffset> waiting = new();
    private readonly HashSet<Task> running = [];
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

        Task[] left;
        lock (gate)
        {
            left = [.. running];
        }

        await Task.WhenAll(left).WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void LoadQueue()
    {
        var now = time.GetUtcNow();
        var loaded = 0;
        foreach (var envelope in spool.Envelopes())
        {
            var message = new QueuedMessage(envelope, spool.ReadProgress(envelope.Mid), now);
            lock (gate)
            {
                messages[envelope.Mid] = message;
                waiting.Enqueue(message, message.NextAttemptAt);
            }

            loaded++;
        }

        LogQueueLoaded(logger, loaded);
    }

    private async Task ReceiveArrivalsAsync()
    {
        await foreach (var envelope in spool.Arrivals.ReadAllAsync(stopping))
        {
            lock (gate)
            {
                // Loaded at start already, or already delivered and gone.
                if (messages.ContainsKey(envelope.Mid) || !File.Exists(spool.EnvelopePath(envelope.Mid)))
                {
                    continue;
                }

                var message = new QueuedMessage(envelope, null, time.GetUtcNow());
                messages[envelope.Mid] = message;
                Release(message);
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
        var snapshot = config.Snapshot!;
        var items = message.PendingByDomain(d => (int)DestinationPolicy.For(snapshot.Config, d).MaxRecipientsPerMessage).ToList();
        message.Outstanding = items.Count;
        if (items.Count == 0)
        {
            Track(SettleAsync(message));
            return;
        }

        foreach (var (domain, rids) in items)
        {
            if (!destinations.TryGetValue(domain, out var destination))
            {
                destinations[domain] = destination = new Destination(domain);
            }

            destination.Items.Enqueue(new WorkItem(message, rids));
            Pump(destination, snapshot);
        }
    }

    // Under the lock: opens connections, up to the limit, while more work waits than the connections being set up will take first.
    private void Pump(Destination destination, NodeSnapshot snapshot)
    {
        var control = DestinationPolicy.For(snapshot.Config, destination.Domain);
        while (destination.Items.Count > destination.Connecting && destination.Active < control.MaxConcurrentConnections && !stopping.IsCancellationRequested)
        {
            destination.Active++;
            destination.Connecting++;
            Track(RunConnectionAsync(destination, snapshot, control));
        }
    }

    private async Task RunConnectionAsync(Destination destination, NodeSnapshot snapshot, DestinationControl control)
    {
        await Task.Yield();
        OutboundSession? session = null;
        try
        {
            ConnectFailure? failure;
            try
            {
                (session, failure) = await connector.ConnectAsync(snapshot, destination.Domain, control.Tls, stopping);
            }
            finally
            {
                lock (gate)
                {
                    destination.Connecting--;
                }
            }

            if (session is null)
            {
                await FailDestinationAsync(destination, snapshot, failure!);
                return;
            }

            for (var sent = 0; sent < control.MaxMessagesPerConnection && session.Usable; sent++)
            {
                WorkItem? item;
                lock (gate)
                {
                    if (!destination.Items.TryDequeue(out item))
                    {
                        break;
                    }
                }

                var outcome = await session.SendAsync(item.Message.Envelope, item.Rids, spool.DataPath(item.Message.Mid), stopping);
                LogOutcome($"DCID {session.Dcid} ", item.Message.Mid, outcome);
                // Settling writes to disk; the connection goes on with the next message meanwhile.
                _ = Track(CompleteAsync(item, outcome));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping; unsettled messages stay queued on disk.
        }
        catch (Exception e)
        {
            // One catch-all at the connection boundary: the messages stay queued and are retried.
            LogConnectionFault(logger, destination.Domain, e);
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }

            lock (gate)
            {
                destination.Active--;
                if (config.Snapshot is { } current)
                {
                    Pump(destination, current);
                }

                // A domain with nothing to do is forgotten, so the table does not grow with every domain ever seen.
                if (destination.Active == 0 && destination.Items.Count == 0)
                {
                    destinations.Remove(destination.Domain);
                }
            }
        }
    }

    /// <summary>No usable connection: everything queued for the domain waits for its retry (or bounces, when permanent).</summary>
    private async Task FailDestinationAsync(Destination destination, NodeSnapshot snapshot, ConnectFailure failure)
    {
        List<WorkItem> items;
        lock (gate)
        {
            items = [.. destination.Items];
            destination.Items.Clear();
        }

        foreach (var item in items)
        {
            var outcome = failure.Permanent ? TransactionOutcome.AllBounced(item.Rids, failure.Reason) : TransactionOutcome.AllDeferred(item.Rids, failure.Reason);
            LogOutcome("", item.Message.Mid, outcome);
            await CompleteAsync(item, outcome);
        }

        if (failure.RequiredTlsFailed && snapshot.Config.DestinationGlobal?.AlertOnRequiredTlsFailure == true)
        {
            await alerts.RaiseAsync(AlertClass.System, AlertSeverity.Warning, $"required-tls/{destination.Domain}",
                $"TLS was required for destination domain {destination.Domain} but could not be negotiated: {failure.Reason}. Messages stay queued and are retried.",
                stopping);
        }
    }

    private async Task CompleteAsync(WorkItem item, TransactionOutcome outcome)
    {
        var message = item.Message;
        bool settle;
        lock (gate)
        {
            foreach (var rid in outcome.Delivered)
            {
                message.Status[rid] = RecipientStatus.Delivered;
                message.Reasons[rid] = "";
            }

            foreach (var failure in outcome.Bounced)
            {
                message.Status[failure.Rid] = RecipientStatus.Bounced;
                message.Reasons[failure.Rid] = failure.Reason;
            }

            foreach (var failure in outcome.Deferred)
            {
                message.Reasons[failure.Rid] = failure.Reason;
            }

            settle = --message.Outstanding == 0;
        }

        if (settle)
        {
            await SettleAsync(message);
        }
        else if (outcome.Delivered.Count + outcome.Bounced.Count > 0)
        {
            await SaveProgressAsync(message);
        }
    }

    private async Task SettleAsync(QueuedMessage message)
    {
        var now = time.GetUtcNow();
        var schedule = RetrySchedule.From(config.Snapshot?.Config.System?.Queue);
        List<int> pending;
        lock (gate)
        {
            pending = [.. message.Pending];
            if (pending.Count > 0 && now - message.Envelope.ReceivedAt >= schedule.Lifetime)
            {
                foreach (var rid in pending)
                {
                    message.Status[rid] = RecipientStatus.Bounced;
                    message.Reasons[rid] = $"4.4.7 message expired after {schedule.Lifetime.TotalSeconds:0} s in the queue; last error: {message.Reasons[rid]}";
                    log.Info($"Bounced: MID {message.Mid} to RID {rid} - {message.Reasons[rid]}");
                }

                pending.Clear();
            }
            else if (pending.Count > 0)
            {
                message.Attempts++;
                message.NextAttemptAt = now + schedule.After(message.Attempts);
            }
        }

        if (pending.Count > 0)
        {
            await SaveProgressAsync(message);
            lock (gate)
            {
                waiting.Enqueue(message, message.NextAttemptAt);
            }

            Wake();
            return;
        }

        var bounced = message.Bounced.Select(r => new RecipientFailure(r, message.Reasons[r])).ToList();
        if (bounced.Count > 0)
        {
            await BounceAsync(message, bounced, now);
        }

        spool.Remove(message.Mid);
        lock (gate)
        {
            messages.Remove(message.Mid);
        }

        log.Info($"Message finished MID {message.Mid} {(bounced.Count == 0 ? "done" : "aborted")}");
    }

    private async Task BounceAsync(QueuedMessage message, IReadOnlyList<RecipientFailure> failures, DateTimeOffset now)
    {
        if (message.Envelope.MailFrom.Length == 0)
        {
            log.Info($"MID {message.Mid} bounce not sent: the message has the null sender");
            return;
        }

        var snapshot = config.Snapshot!;
        var host = snapshot.Config.Hostname.Length > 0 ? snapshot.Config.Hostname : System.Net.Dns.GetHostName();
        var dsn = DeliveryStatusNotification.Build(host, message.Envelope, failures, DeliveryStatusNotification.HeadersOf(spool.DataPath(message.Mid)), now);
        var mid = await spool.InjectAsync(dsn, "", [message.Envelope.MailFrom], "bounce", now, CancellationToken.None);
        log.Info($"MID {mid} was generated for bounce of MID {message.Mid}");
    }

    private async Task SaveProgressAsync(QueuedMessage message)
    {
        await message.Saving.WaitAsync(CancellationToken.None);
        try
        {
            DeliveryProgress progress;
            lock (gate)
            {
                progress = message.Progress();
            }

            await spool.SaveProgressAsync(message.Mid, progress, CancellationToken.None);
        }
        finally
        {
            message.Saving.Release();
        }
    }

    private void LogOutcome(string dcid, long mid, TransactionOutcome outcome)
    {
        if (outcome.Delivered.Count > 0)
        {
            log.Info($"Message done {dcid}MID {mid} to RID [{string.Join(", ", outcome.Delivered)}]");
        }

        foreach (var failure in outcome.Bounced)
        {
            log.Info($"Bounced: {dcid}MID {mid} to RID {failure.Rid} - {TransactionOutcome.EnhancedStatus(failure.Reason)} - {failure.Reason}");
        }

        foreach (var group in outcome.Deferred.GroupBy(f => f.Reason))
        {
            log.Info($"Delayed: {dcid}MID {mid} to RID [{string.Join(", ", group.Select(f => f.Rid))}] - {TransactionOutcome.EnhancedStatus(group.Key)} - {group.Key}");
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

    [LoggerMessage(1, LogLevel.Information, "Delivery queue loaded: {Count} messages")]
    private static partial void LogQueueLoaded(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Error, "Delivery to {Domain} failed unexpectedly; its messages stay queued")]
    private static partial void LogConnectionFault(ILogger logger, string domain, Exception exception);
}
