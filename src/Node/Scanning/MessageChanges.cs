namespace Gatehouse.Node.Scanning;

/// <summary>One header change a milter asked for, in the order asked.</summary>
/// <param name="Index">Insert: the position among the fields the milter saw (0 first). Change: which occurrence of the name (1 first).</param>
internal sealed record HeaderChange(HeaderChangeKind Kind, int Index, string Name, string Value);

internal enum HeaderChangeKind
{
    /// <summary>After the last field.</summary>
    Add,

    /// <summary>At a position.</summary>
    Insert,

    /// <summary>The Nth field of a name gets a new value; an empty value removes it; one that is not there is added.</summary>
    Change,
}

/// <summary>
/// What a scanner changes in the message before it is queued: header fields and the body
/// (written into the stored data, <see cref="MessageRewrite"/>), the sender and the recipients
/// (in the envelope committed after it), and whether it is held (quarantine).
/// </summary>
internal sealed record MessageChanges
{
    public List<HeaderChange> Headers { get; } = [];

    /// <summary>The new body as the milter sent it, null when it keeps its own.</summary>
    public MemoryStream? Body { get; set; }

    public string? Sender { get; set; }

    public List<string> AddedRecipients { get; } = [];

    public List<string> RemovedRecipients { get; } = [];

    /// <summary>Why the message is to be held in the queue until an administrator releases it; null when it is not.</summary>
    public string? Quarantine { get; set; }

    public bool ChangesData => Headers.Count > 0 || Body is not null;

    public bool ChangesEnvelope => Sender is not null || AddedRecipients.Count > 0 || RemovedRecipients.Count > 0;

    /// <summary>The recipients after the changes: removed ones go (compared without letter case), added ones come once.</summary>
    public List<string> Recipients(IEnumerable<string> recipients)
    {
        var result = recipients.Where(r => !RemovedRecipients.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        foreach (var added in AddedRecipients.Where(a => !result.Contains(a, StringComparer.OrdinalIgnoreCase)))
        {
            result.Add(added);
        }

        return result;
    }
}
