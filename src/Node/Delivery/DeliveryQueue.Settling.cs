using Gatehouse.Node.Logging;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// The delivery queue's bookkeeping after a transaction: recipient states, then, when the
/// attempt is over, the message finished (bounces sent, removed) or put back for its retry.
/// </summary>
internal sealed partial class DeliveryQueue
{
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
                    var expired = $"message expired after {schedule.Lifetime.TotalSeconds:0} s in the queue; last error: {message.Reasons[rid]}";
                    message.Reasons[rid] = $"4.4.7 {expired}";
                    log.Bounced(0, message.Mid, rid, "4.4.7", MailLog.Answer(expired));
                }

                pending.Clear();
            }
            else if (pending.Count > 0)
            {
                message.Attempts++;
                message.NextAttemptAt = now + schedule.Spread(message.Attempts, Random.Shared);
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
        log.MessageFinished(message.Mid, bounced.Count == 0 ? "done" : "aborted");
    }

    private async Task BounceAsync(QueuedMessage message, IReadOnlyList<RecipientFailure> failures, DateTimeOffset now)
    {
        if (message.Envelope.MailFrom.Length == 0)
        {
            log.BounceNotSent(message.Mid);
            return;
        }

        var dsn = DeliveryStatusNotification.Build(config.Snapshot!.HostName, message.Envelope, failures, DeliveryStatusNotification.HeadersOf(spool.OpenData(message.Envelope)), now);
        // A bounce tells what the message said in its headers: it travels as the message had to (RFC 8689).
        var mid = await spool.InjectAsync(dsn, "", [message.Envelope.MailFrom], "bounce", now, CancellationToken.None, requireTls: message.Envelope.RequireTls);
        log.BounceGenerated(mid, message.Mid);
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
        catch (IOException e)
        {
            // A full or failing disk must not drop the message from the schedule: it is retried
            // as planned. Until a save works, a restart goes back to the last progress on disk.
            log.ProgressNotSaved(message.Mid, e.Message);
        }
        finally
        {
            message.Saving.Release();
        }
    }
}
