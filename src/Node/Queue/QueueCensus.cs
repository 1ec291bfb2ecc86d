namespace Gatehouse.Node.Queue;

/// <summary>The queue counted: messages, recipients still pending, the oldest message, and per domain.</summary>
internal sealed record QueueCount(int Messages, int Recipients, DateTimeOffset? Oldest, IReadOnlyDictionary<string, DomainCount> Domains)
{
    public static readonly QueueCount Empty = new(0, 0, null, new Dictionary<string, DomainCount>());
}

internal sealed record DomainCount(int Recipients, DateTimeOffset Oldest);

/// <summary>
/// Counts the spool for status and metrics, from the envelopes and delivery progress on disk
/// (what survives a restart is what is counted). A count is reused for a few seconds, so
/// frequent scrapes of a long queue read it at most that often.
/// </summary>
internal sealed class QueueCensus(MessageSpool spool, TimeProvider time)
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(5);
    private readonly Lock gate = new();
    private (QueueCount Count, DateTimeOffset At)? last;

    public QueueCount Count()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (last is { } kept && now - kept.At < ReuseFor)
            {
                return kept.Count;
            }

            var count = Take();
            last = (count, now);
            return count;
        }
    }

    private QueueCount Take()
    {
        var messages = 0;
        var recipients = 0;
        DateTimeOffset? oldest = null;
        var domains = new Dictionary<string, DomainCount>(StringComparer.OrdinalIgnoreCase);
        foreach (var envelope in spool.Envelopes())
        {
            var progress = spool.ReadProgress(envelope.Mid);
            messages++;
            oldest = oldest is null || envelope.ReceivedAt < oldest ? envelope.ReceivedAt : oldest;
            for (var rid = 0; rid < envelope.Recipients.Count; rid++)
            {
                if (progress is not null && rid < progress.Recipients.Count && progress.Recipients[rid] != RecipientStatus.Pending)
                {
                    continue;
                }

                recipients++;
                var address = envelope.Recipients[rid];
                var domain = address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant();
                domains[domain] = domains.TryGetValue(domain, out var seen)
                    ? new DomainCount(seen.Recipients + 1, seen.Oldest < envelope.ReceivedAt ? seen.Oldest : envelope.ReceivedAt)
                    : new DomainCount(1, envelope.ReceivedAt);
            }
        }

        return new QueueCount(messages, recipients, oldest, domains);
    }
}
