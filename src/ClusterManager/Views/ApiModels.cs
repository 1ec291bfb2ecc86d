namespace Gatehouse.ClusterManager.Views;

// Request and response bodies of the admin REST API (JSON, snake_case).

internal sealed record TokenRequest(long TtlSeconds);

internal sealed record TlsVerifyRequest(string Domain);

/// <summary>A queue command for one node (<c>node</c>) or every connected node (no <c>node</c>; not for MIDs).</summary>
internal sealed record QueueRequest(string Op, string? Domain, long? Mid, string? Node, string? RedirectTo = null);

internal sealed record QueueNodeAnswer(string Node, bool Ok, string Message);

internal sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);

internal sealed record NodeView(
    string Name, bool Connected, DateTimeOffset? LastSeen, long AppliedVersion, string LastError,
    string Address, DateTimeOffset? JoinedAt, int MachineSettings, string SoftwareVersion = "");

internal sealed record RemoveResponse(string Node, int MachineSettingsDeleted);

internal sealed record CommitRequest(string Comment, bool RequirePublished = false);

/// <summary>A change to groups: create or delete GROUP, add or remove NODE.</summary>
internal sealed record GroupRequest(string Op, string Group, string? Node = null);

/// <summary>A group as <c>groups list</c> shows it: its members and how many settings its level holds.</summary>
internal sealed record GroupView(string Name, List<string> Members, int Settings);

internal sealed record CommitResponse(long? Version, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

internal sealed record RollbackRequest(long Version);

internal sealed record VersionView(long Version, string Author, DateTimeOffset CommittedAt, string Comment);

internal sealed record ExportRequest(string Keys, string? Passphrase);

internal sealed record AuditView(DateTimeOffset At, string Actor, string Action, string Detail);

/// <summary>An alert and what became of it: the node that mailed it, why it was not mailed, who acknowledged it.</summary>
/// <summary>An alert and what became of it; <c>SeenBy</c> lists the nodes that reported the event, for those nodes report.</summary>
internal sealed record AlertView(DateTimeOffset At, string Severity, string Class, string Message, string Key, string? MailedBy, string? Unsent, string? AcknowledgedBy, IReadOnlyList<string> SeenBy);

internal sealed record AlertAckRequest(string Key);

internal sealed record AlertAckAnswer(string Key, string Outcome);

/// <summary>The cluster at a glance, as the appliance's System Status shows it.</summary>
internal sealed record ClusterStatusView(
    long CommittedVersion, List<NodeStatusView> Nodes, List<ExpiringCertificateView> CertificatesExpiring, List<AlertView> OpenAlerts);

/// <summary>A node's state; <c>LastHour</c> is null when the node did not answer, and <c>NotAnswering</c> says why.</summary>
internal sealed record NodeStatusView(
    string Name, bool Connected, long AppliedVersion, DateTimeOffset? LastSeen, string LastError, NodeActivityView? LastHour, string? NotAnswering);

/// <summary>Mail over the last hour and the queue now; a TLS rate is null when there was no TLS session.</summary>
internal sealed record NodeActivityView(
    long Accepted, long Delivered, long Deferred, long Bounced,
    long TlsInbound, double? TlsInboundSuccessRate, long TlsOutbound, double? TlsOutboundSuccessRate,
    long QueueMessages, long QueueRecipients, long OldestMessageSeconds);

internal sealed record ExpiringCertificateView(string Name, string Level, DateTimeOffset NotAfter, int DaysLeft);

/// <summary>A shared MTA-STS policy as the cluster keeps it.</summary>
internal sealed record StsPolicyView(string Domain, string Id, string PolicyText, string SharedBy, DateTimeOffset? FetchedAt, DateTimeOffset? ExpiresAt);

internal sealed record StsPurgeView(string Domain, bool Removed);

internal sealed record ApiTokenRequest(string? Name, string? Role);

/// <summary>A new API token: the only answer that carries it.</summary>
internal sealed record ApiTokenCreated(string Name, string Role, string Token);

internal sealed record ApiTokenView(string Name, string Role, string CreatedBy, DateTimeOffset? CreatedAt);

internal sealed record GuiUserRequest(string? Password);

internal sealed record GuiUserView(string Name);

internal sealed record BackupRequest(string? Passphrase);
