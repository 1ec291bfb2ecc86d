using Gatehouse.Cluster.V1;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Delivery;

/// <summary>The delivery queue's connections: one per running task, taking the domain's work until its limit.</summary>
internal sealed partial class DeliveryQueue
{
    private async Task RunConnectionAsync(Destination destination, NodeSnapshot snapshot, DestinationControl control)
    {
        await Task.Yield();
        OutboundSession? session = null;
        try
        {
            ConnectFailure? failure;
            try
            {
                (session, failure) = await connector.ConnectAsync(snapshot, destination.Domain, control, stopping, destination.Lane);
            }
            finally
            {
                lock (gate)
                {
                    destination.Connecting--;
                    if (session is not null && config.Snapshot is { } current)
                    {
                        // One more sending lets one more be set up (the slow start, see Pump).
                        Pump(destination, current);
                    }
                }
            }

            if (session is null)
            {
                await FailDestinationAsync(destination, snapshot, failure!);
                return;
            }

            Recovered(destination.Domain);

            for (var sent = 0; sent < control.MaxMessagesPerConnection && session.Usable && !stopping.IsCancellationRequested; sent++)
            {
                var item = await NextItemAsync(destination, session, snapshot, TimeSpan.FromSeconds(control.IdleConnectionSeconds), fresh: sent == 0);
                if (item is null)
                {
                    break;
                }

                using var finishing = new FinishingOnStop(stopping);
                var outcome = RequireTlsPolicy.Unmet(item.Message.Envelope, session) is { } unmet
                    ? TransactionOutcome.AllBounced(item.Rids, unmet)
                    : await session.SendAsync(item.Message.Envelope, item.Rids, () => spool.OpenData(item.Message.Envelope), finishing.Token);
                LogOutcome(session.Dcid, item.Message.Mid, outcome);
                if (outcome.Delivered.Count > 0 && session.Tls.Overridden is { } overridden)
                {
                    log.PublishedPolicyOverridden(item.Message.Mid, session.Dcid, session.Tls.Source, overridden, destination.Domain);
                }
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
                    destinations.Remove(destination.Key);
                }
            }
        }
    }

    /// <summary>
    /// The next work for this connection: at once when some is queued; else the connection waits
    /// up to <paramref name="idle"/> to be handed the next (steady traffic keeps its connections
    /// and TLS sessions). Handed work goes out only if the server has not closed the connection
    /// meanwhile; else it goes back to the domain and the connection is given up without failing
    /// anything. A connection opened under an earlier version takes nothing more: its TLS mode,
    /// client certificate or next hop may no longer be what the admin configured.
    /// </summary>
    private async Task<WorkItem?> NextItemAsync(Destination destination, OutboundSession session, NodeSnapshot openedWith, TimeSpan idle, bool fresh)
    {
        LinkedListNode<TaskCompletionSource<WorkItem>> wait;
        lock (gate)
        {
            if (config.Snapshot?.Version != openedWith.Version)
            {
                return null;
            }

            if (destination.Items.TryDequeue(out var ready))
            {
                return ready;
            }

            wait = destination.Wait(fresh);
        }

        WorkItem item;
        try
        {
            item = await wait.Value.Task.WaitAsync(idle, time, stopping);
        }
        catch (TimeoutException)
        {
            lock (gate)
            {
                if (destination.StopWaiting(wait))
                {
                    // Nothing came: QUIT.
                    return null;
                }
            }

            item = await wait.Value.Task;
        }
        catch (OperationCanceledException)
        {
            lock (gate)
            {
                // Handed work stays queued on disk for the next start.
                destination.StopWaiting(wait);
            }

            throw;
        }

        if (config.Snapshot?.Version == openedWith.Version && session.StillOpen())
        {
            return item;
        }

        lock (gate)
        {
            // Another connection takes it (the caller's finally opens one if none waits).
            destination.Add(item);
        }

        return null;
    }

    /// <summary>No usable connection: everything queued for the domain waits for its retry (or bounces, when permanent).</summary>
    private async Task FailDestinationAsync(Destination destination, NodeSnapshot snapshot, ConnectFailure failure)
    {
        List<WorkItem> items;
        lock (gate)
        {
            items = [.. destination.Items];
            destination.Items.Clear();
            if (!failure.Permanent)
            {
                unreachable.Add(destination.Domain);
            }
        }

        foreach (var item in items)
        {
            var outcome = failure.Permanent ? TransactionOutcome.AllBounced(item.Rids, failure.Reason) : TransactionOutcome.AllDeferred(item.Rids, failure.Reason);
            LogOutcome(0, item.Message.Mid, outcome);
            await CompleteAsync(item, outcome);
        }

        if (failure.RequiredTlsFailed && snapshot.Config.DestinationGlobal?.AlertOnRequiredTlsFailure == true)
        {
            await alerts.RequiredTlsFailedAsync(destination.Domain, failure.Reason, stopping);
        }
    }

    private void LogOutcome(long dcid, long mid, TransactionOutcome outcome)
    {
        metrics.Delivered(outcome.Delivered.Count);
        metrics.Bounced(outcome.Bounced.Count);
        metrics.Deferred(outcome.Deferred.Count);
        if (outcome.Delivered.Count > 0)
        {
            var rids = MailLog.Rids(outcome.Delivered);
            log.MessageDone(dcid, mid, rids);
            if (outcome.Response is { } response)
            {
                log.RecipientResponse(mid, rids, response);
            }
        }

        foreach (var failure in outcome.Bounced)
        {
            log.Bounced(dcid, mid, failure.Rid, TransactionOutcome.EnhancedStatus(failure.Reason), MailLog.Answer(failure.Reason));
        }

        foreach (var group in outcome.Deferred.GroupBy(f => f.Reason))
        {
            log.Delayed(dcid, mid, MailLog.Rids(group.Select(f => f.Rid)), TransactionOutcome.EnhancedStatus(group.Key), MailLog.Answer(group.Key));
        }
    }
}
