namespace Gatehouse.Node.Queue;

/// <summary>
/// The envelope of an accepted message, stored after its data in <c>queue/MID.msg</c>
/// (<see cref="SpoolRecord"/>). A message is in the queue exactly when that file holds it whole.
/// </summary>
internal sealed record QueuedEnvelope
{
    public long Mid { get; init; }

    public long Icid { get; init; }

    public string Listener { get; init; } = "";

    public string ClientAddress { get; init; } = "";

    public string Helo { get; init; } = "";

    public string MailFrom { get; init; } = "";

    public IReadOnlyList<string> Recipients { get; init; } = [];

    public DateTimeOffset ReceivedAt { get; init; }

    public long Size { get; init; }

    /// <summary>
    /// Length of the message data (what precedes the envelope in <c>MID.msg</c>). A record whose
    /// length does not add up was never answered <c>250</c> (the machine stopped before the
    /// spool's flush) and goes; 0 in envelopes written before this was recorded.
    /// </summary>
    public long DataBytes { get; init; }

    /// <summary>TLS protocol and cipher of the inbound session, empty when in clear.</summary>
    public string Tls { get; init; } = "";

    /// <summary>
    /// The sender asked for REQUIRETLS (RFC 8689): every hop only over verified TLS to a server
    /// that offers REQUIRETLS too, else a bounce. Stored with the envelope, so a restart keeps it.
    /// </summary>
    public bool RequireTls { get; init; }

    /// <summary>
    /// The message says <c>TLS-Required: No</c> and did not ask for REQUIRETLS: the recipient
    /// domains' published policies (DANE, MTA-STS) are set aside for it; the administrator's
    /// destination controls still apply.
    /// </summary>
    public bool TlsOptional { get; init; }

    /// <summary>Header lines the node adds on delivery (the URL verdict), after its own Received line.</summary>
    public IReadOnlyList<string> AddedHeaders { get; init; } = [];

    /// <summary>Fields of the message as it arrived that go on delivery, every occurrence (a content scanner asked).</summary>
    public IReadOnlyList<string> RemovedHeaders { get; init; } = [];

    /// <summary>
    /// The authserv-id under which the node checked the message (its Authentication-Results
    /// line is among <see cref="AddedHeaders"/>); those the message arrived with that claim it
    /// are removed on delivery. Empty when the message was not checked.
    /// </summary>
    public string AuthenticationServiceId { get; init; } = "";

    /// <summary>
    /// Why a content scanner quarantined the message (a milter's SMFIR_QUARANTINE): it stays in
    /// the queue, never tried, until an administrator releases or deletes it. Empty when it is not.
    /// </summary>
    public string Quarantine { get; init; } = "";
}
