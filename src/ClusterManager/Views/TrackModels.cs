namespace Gatehouse.ClusterManager.Views;

/// <summary>A message tracking search: every field given must match; text matches anywhere, ignoring case.</summary>
internal sealed record TrackRequest(
    long? Mid = null, string? Node = null, string? From = null, string? To = null, string? Subject = null, string? MessageId = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null, int? Limit = null);

/// <summary>What each node answered and the messages found, each with its path through the cluster.</summary>
internal sealed record TrackResult(List<TrackNodeAnswer> Nodes, List<TrackedPath> Messages);

/// <summary>A node asked; <c>Problem</c> says why one did not answer (not connected, silent, its index unavailable).</summary>
internal sealed record TrackNodeAnswer(string Node, bool Answered, string? Problem, int Messages, bool Truncated);

/// <summary>
/// One message across the cluster: its hops (one per node that handled it, matched by Message-ID),
/// oldest first; its state is the last hop's.
/// </summary>
internal sealed record TrackedPath(
    string? MessageId, string? Subject, string Sender, List<string> Recipients, DateTimeOffset FirstSeen, string State, List<TrackedHop> Hops);

/// <summary>The message on one node: how it came in, each delivery attempt and the node's mail log lines for it.</summary>
internal sealed record TrackedHop(
    string Node, long Mid, DateTimeOffset Received, long Icid, string Listener, string Interface, string RemoteAddress, string TlsIn, long Size, string State,
    long? BounceOf, List<TrackedAttempt> Deliveries, List<TrackedLine> Events);

internal sealed record TrackedAttempt(long Dcid, DateTimeOffset At, string Peer, string Tls, string Outcome, string Response);

internal sealed record TrackedLine(DateTimeOffset At, string Line);
