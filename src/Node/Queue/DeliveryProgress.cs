namespace Gatehouse.Node.Queue;

internal enum RecipientStatus
{
    Pending,
    Delivered,
    Bounced,
}

/// <summary>
/// How far delivery of a queued message got, stored as <c>queue/MID.dlv</c> beside the
/// envelope. Written before a partly delivered message waits for its next attempt, so a
/// restart never sends again to a recipient already reported done (OUT-5).
/// </summary>
internal sealed record DeliveryProgress
{
    public int Attempts { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>One entry per recipient, in envelope order (the RID is the index).</summary>
    public IReadOnlyList<RecipientStatus> Recipients { get; init; } = [];

    /// <summary>The last answer or failure per recipient, for logs and bounces.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Set by the administrator: every pending recipient goes to this <c>[host]:port</c> instead.</summary>
    public string? RedirectTo { get; init; }

    /// <summary>The administrator released the message from quarantine (<see cref="QueuedEnvelope.Quarantine"/>).</summary>
    public bool QuarantineReleased { get; init; }
}
