using Gatehouse.Node.Messages;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// A message in the delivery queue: its envelope and where each recipient stands. Changed
/// only under the queue's lock.
/// </summary>
internal sealed class QueuedMessage
{
    public QueuedMessage(QueuedEnvelope envelope, DeliveryProgress? progress, DateTimeOffset now)
    {
        Envelope = envelope;
        var count = envelope.Recipients.Count;
        Status = progress?.Recipients.Count == count ? [.. progress.Recipients] : new RecipientStatus[count];
        Reasons = progress?.Reasons.Count == count ? [.. progress.Reasons] : Enumerable.Repeat("", count).ToArray();
        Attempts = progress?.Attempts ?? 0;
        NextAttemptAt = progress?.NextAttemptAt ?? now;
        RedirectTo = progress?.RedirectTo;
        QuarantineReleased = progress?.QuarantineReleased ?? false;
    }

    public bool QuarantineReleased { get; set; }

    /// <summary>Held by a content scanner and not released: never tried.</summary>
    public bool Quarantined => Envelope.Quarantine.Length > 0 && !QuarantineReleased;

    /// <summary>The <c>[host]:port</c> the administrator sent this message to, instead of its domains' next hops.</summary>
    public string? RedirectTo { get; set; }

    public QueuedEnvelope Envelope { get; }

    public long Mid => Envelope.Mid;

    public RecipientStatus[] Status { get; }

    public string[] Reasons { get; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>One progress write at a time, so an older state never lands over a newer one.</summary>
    public SemaphoreSlim Saving { get; } = new(1, 1);

    /// <summary>Work items of the current attempt still running; the attempt is settled at zero.</summary>
    public int Outstanding { get; set; }

    public IEnumerable<int> Pending => Enumerable.Range(0, Status.Length).Where(r => Status[r] == RecipientStatus.Pending);

    public IEnumerable<int> Bounced => Enumerable.Range(0, Status.Length).Where(r => Status[r] == RecipientStatus.Bounced);

    /// <summary>
    /// Pending recipients grouped by domain (all under the redirect, when there is one), each
    /// group cut to at most <paramref name="perMessage"/>.
    /// </summary>
    public IEnumerable<(string Domain, IReadOnlyList<int> Rids)> PendingByDomain(Func<string, int> perMessage) =>
        Pending.GroupBy(r => RedirectTo ?? MailAddress.Domain(Envelope.Recipients[r]).ToLowerInvariant())
            .SelectMany(g => g.Chunk(Math.Max(1, perMessage(g.Key))).Select(c => (g.Key, (IReadOnlyList<int>)c)));

    public DeliveryProgress Progress() => new()
    {
        Attempts = Attempts,
        NextAttemptAt = NextAttemptAt,
        QuarantineReleased = QuarantineReleased,
        Recipients = [.. Status],
        Reasons = [.. Reasons],
        RedirectTo = RedirectTo,
    };
}
