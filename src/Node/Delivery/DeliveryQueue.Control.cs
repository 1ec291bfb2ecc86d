using Gatehouse.Configuration.Files;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// The administrator's hands on the queue, as the appliance's <c>suspenddel</c>,
/// <c>resumedel</c>, <c>delivernow</c>, <c>deleterecipients</c>, <c>bouncerecipients</c> and
/// <c>redirectrecipients</c>: a suspended domain gets no connection (its mail waits, still
/// subject to the queue lifetime) until it is resumed, also across restarts; a waiting
/// message can be deleted, bounced to its sender or sent to another host. Each action is
/// written to the mail log.
/// </summary>
internal sealed partial class DeliveryQueue
{
    private readonly HashSet<string> suspended = LoadSuspended(spool.Directory);

    private static string SuspendedFile(string queue) => Path.Combine(queue, ".suspended");

    public IReadOnlyList<string> SuspendedDomains()
    {
        lock (gate)
        {
            return [.. suspended.Order(StringComparer.Ordinal)];
        }
    }

    public async Task SuspendAsync(string domain)
    {
        domain = domain.ToLowerInvariant();
        List<WorkItem> taken = [];
        lock (gate)
        {
            if (!suspended.Add(domain))
            {
                return;
            }

            // Work already queued for the domain is not started: it waits like the rest.
            foreach (var lane in Enum.GetValues<DeliveryLane>())
            {
                if (destinations.TryGetValue(Destination.KeyOf(domain, lane), out var destination))
                {
                    while (destination.Items.TryDequeue(out var item))
                    {
                        taken.Add(item);
                    }
                }
            }
        }

        await SaveSuspendedAsync();
        log.DeliverySuspended(domain);
        foreach (var item in taken)
        {
            await CompleteAsync(item, TransactionOutcome.AllDeferred(item.Rids, $"delivery to {domain} suspended by the administrator"));
        }
    }

    public async Task ResumeAsync(string domain)
    {
        domain = domain.ToLowerInvariant();
        lock (gate)
        {
            if (!suspended.Remove(domain))
            {
                return;
            }
        }

        await SaveSuspendedAsync();
        log.DeliveryResumed(domain);
        ReleaseWaitingFor(domain);
    }

    /// <summary>The queue by recipient domain: messages, pending recipients, oldest.</summary>
    public IReadOnlyList<string> Summary() => QueueSummary.Lines(spool.Directory, time.GetUtcNow());

    /// <summary>Makes the waiting messages for <paramref name="domain"/> due now; returns how many.</summary>
    public int DeliverNow(string domain) => ReleaseWaitingFor(domain);

    /// <summary>Takes a waiting message out of the queue without a word to its sender.</summary>
    public string? Delete(long mid)
    {
        if (TakeWaiting(mid) is null)
        {
            return NotWaiting(mid);
        }

        spool.Remove(mid);
        log.DeletedByAdministrator(mid);
        return null;
    }

    /// <summary>Bounces every pending recipient of a waiting message: its sender gets a DSN.</summary>
    public async Task<string?> BounceAsync(long mid)
    {
        if (TakeWaiting(mid) is not { } message)
        {
            return NotWaiting(mid);
        }

        lock (gate)
        {
            foreach (var rid in message.Pending.ToList())
            {
                message.Status[rid] = RecipientStatus.Bounced;
                message.Reasons[rid] = "5.0.0 bounced by the administrator";
                log.Bounced(0, mid, rid, "5.0.0", MailLog.Answer("bounced by the administrator"));
            }
        }

        await SettleAsync(message);
        return null;
    }

    /// <summary>Sends a waiting message's pending recipients to another host, now and on every retry.</summary>
    public async Task<string?> RedirectAsync(long mid, Redirect target)
    {
        if (TakeWaiting(mid) is not { } message)
        {
            return NotWaiting(mid);
        }

        lock (gate)
        {
            message.RedirectTo = target.ToString();
        }

        await SaveProgressAsync(message);
        log.RedirectedByAdministrator(mid, target.ToString());
        lock (gate)
        {
            Release(message);
        }

        return null;
    }

    /// <summary>Releases a message a content scanner quarantined: it is tried now, then like any other.</summary>
    public async Task<string?> ReleaseQuarantineAsync(long mid)
    {
        if (TakeWaiting(mid) is not { } message)
        {
            return NotWaiting(mid);
        }

        var held = message.Quarantined;
        lock (gate)
        {
            message.QuarantineReleased = true;
        }

        if (held)
        {
            await SaveProgressAsync(message);
            log.QuarantineReleased(mid);
        }

        lock (gate)
        {
            Release(message);
        }

        return held ? null : $"MID {mid} is not quarantined";
    }

    // Under no lock; the message leaves the schedule here or not at all.
    private QueuedMessage? TakeWaiting(long mid)
    {
        lock (gate)
        {
            var found = waiting.UnorderedItems.FirstOrDefault(w => w.Element.Mid == mid).Element;
            return found is not null && waiting.Remove(found, out var message, out _) ? message : null;
        }
    }

    private string NotWaiting(long mid) =>
        spool.Holds(mid)
            ? $"MID {mid} is being delivered right now; try again when the attempt is over"
            : $"MID {mid} is not in the queue";

    // Waiting messages with pending recipients in the domain go to its queue now.
    private int ReleaseWaitingFor(string domain)
    {
        lock (gate)
        {
            var kept = new List<(QueuedMessage Message, DateTimeOffset Due)>();
            var released = 0;
            while (waiting.TryDequeue(out var message, out var due))
            {
                if (message.Pending.Any(r => MailAddress.Domain(message.Envelope.Recipients[r]).Equals(domain, StringComparison.OrdinalIgnoreCase)))
                {
                    Release(message);
                    released++;
                }
                else
                {
                    kept.Add((message, due));
                }
            }

            waiting.EnqueueRange(kept);
            return released;
        }
    }

    private async Task SaveSuspendedAsync()
    {
        string text;
        lock (gate)
        {
            text = string.Concat(suspended.Order(StringComparer.Ordinal).Select(d => d + "\n"));
        }

        await AtomicFile.WriteAsync(SuspendedFile(spool.Directory), System.Text.Encoding.UTF8.GetBytes(text), privateFile: true);
    }

    private static HashSet<string> LoadSuspended(string queue) =>
        File.Exists(SuspendedFile(queue))
            ? new(File.ReadAllLines(SuspendedFile(queue)).Where(l => l.Length > 0), StringComparer.OrdinalIgnoreCase)
            : new(StringComparer.OrdinalIgnoreCase);
}
