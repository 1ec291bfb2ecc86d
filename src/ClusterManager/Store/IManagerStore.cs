using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// Everything the manager must not lose. The file store is the embedded default; every
/// implementation makes each call atomic on its own.
/// </summary>
internal interface IManagerStore
{
    /// <summary>The newest committed version; version 0 with empty content before the first commit.</summary>
    Task<ConfigVersion> GetLatestAsync(CancellationToken cancel = default);

    Task<ConfigVersion?> GetVersionAsync(long version, CancellationToken cancel = default);

    /// <summary>All committed versions, oldest first.</summary>
    Task<IReadOnlyList<ConfigVersion>> ListVersionsAsync(CancellationToken cancel = default);

    /// <summary>
    /// Stores <paramref name="next"/> if and only if it is the version after the newest one.
    /// With <paramref name="clearPendingAt"/>, only while the pending changes are still at that
    /// revision, and they are dropped in the same step. False when another commit won, or an
    /// edit was staged after the pending changes were read.
    /// </summary>
    Task<bool> TryCommitAsync(ConfigVersion next, long? clearPendingAt, CancellationToken cancel = default);

    Task<PendingChanges?> GetPendingAsync(CancellationToken cancel = default);

    /// <summary>
    /// Rewrites the content of every version and of the pending changes where
    /// <paramref name="rewrite"/> returns a new one (null: unchanged), each record atomically.
    /// For format upgrades of stored values only; returns how many records changed.
    /// </summary>
    Task<int> RewriteContentAsync(Func<Cluster.V1.ConfigurationSet, Cluster.V1.ConfigurationSet?> rewrite, CancellationToken cancel = default);

    /// <summary>
    /// Saves the pending changes if the stored ones are still at <c>pending.Revision</c> (0: none
    /// stored), as the next revision (set on <paramref name="pending"/>). False when another edit
    /// was saved in between: read again and redo the edit.
    /// </summary>
    Task<bool> TrySavePendingAsync(PendingChanges pending, CancellationToken cancel = default);

    Task ClearPendingAsync(CancellationToken cancel = default);

    Task<NodeRecord?> GetNodeAsync(string name, CancellationToken cancel = default);

    Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancel = default);

    /// <summary>Creates or replaces a node record (at join).</summary>
    Task SaveNodeAsync(NodeRecord node, CancellationToken cancel = default);

    /// <summary>Changes an existing record; false (and nothing saved) when the node is gone.</summary>
    Task<bool> UpdateNodeAsync(string name, Action<NodeRecord> change, CancellationToken cancel = default);

    /// <summary>Removes the node and records its certificate as revoked, in one step.</summary>
    Task<bool> RemoveNodeAsync(string name, RevokedCertificate revocation, CancellationToken cancel = default);

    Task<bool> IsRevokedAsync(string serial, CancellationToken cancel = default);

    /// <summary>Every revoked node certificate, for the cluster CA's revocation list.</summary>
    /// <summary>Puts back a revocation from a backup (a removed node's certificate stays refused).</summary>
    Task RestoreRevokedAsync(RevokedCertificate revocation, CancellationToken cancel = default);

    Task<IReadOnlyList<RevokedCertificate>> ListRevokedAsync(CancellationToken cancel = default);

    Task AddJoinTokenAsync(JoinTokenRecord token, CancellationToken cancel = default);

    /// <summary>Marks the token used if it is valid; atomic, so a token is used once at most.</summary>
    Task<TokenUse> TryUseJoinTokenAsync(string id, string secretHash, string nodeName, DateTimeOffset now, CancellationToken cancel = default);

    /// <summary>Adds a GUI administrator or replaces its password hash.</summary>
    Task SaveGuiUserAsync(GuiUserRecord user, CancellationToken cancel = default);

    Task<GuiUserRecord?> GetGuiUserAsync(string name, CancellationToken cancel = default);

    Task<IReadOnlyList<GuiUserRecord>> ListGuiUsersAsync(CancellationToken cancel = default);

    /// <summary>False when there is no such user.</summary>
    Task<bool> RemoveGuiUserAsync(string name, CancellationToken cancel = default);

    /// <summary>Adds a named API token; false when one of that name exists.</summary>
    Task<bool> TryAddApiTokenAsync(ApiTokenRecord token, CancellationToken cancel = default);

    /// <summary>The API token whose hash this is, or null.</summary>
    Task<ApiTokenRecord?> FindApiTokenAsync(string hash, CancellationToken cancel = default);

    Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken cancel = default);

    /// <summary>Revokes a named API token; false when there is none of that name.</summary>
    Task<bool> RemoveApiTokenAsync(string name, CancellationToken cancel = default);

    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancel = default);

    /// <summary>Records the alert unless one with the same key exists; true when it was new.</summary>
    Task<bool> TryAddAlertAsync(AlertRecord alert, CancellationToken cancel = default);

    Task<IReadOnlyList<AlertRecord>> ListAlertsAsync(int last, CancellationToken cancel = default);

    /// <summary>
    /// Records the event unless the alert already has one of that kind; true when it was new.
    /// Atomic, so of two managers that both want to mail an alert only one does.
    /// </summary>
    Task<bool> TryAddAlertEventAsync(AlertEvent alertEvent, CancellationToken cancel = default);

    Task<IReadOnlyList<AlertEvent>> ListAlertEventsAsync(int last, CancellationToken cancel = default);

    /// <summary>
    /// Records the event unless the report already has one of that kind; true when it was new.
    /// Atomic, so of two managers that both want to send a day's report only one does.
    /// </summary>
    Task<bool> TryAddTlsReportEventAsync(TlsReportEvent reportEvent, CancellationToken cancel = default);

    Task<IReadOnlyList<TlsReportEvent>> ListTlsReportEventsAsync(int last, CancellationToken cancel = default);

    /// <summary>
    /// Keeps <paramref name="policy"/> for its domain in place of <paramref name="replacing"/> (null:
    /// none kept). False when what is kept is no longer that (another replica got there first), or
    /// keeping it would pass <paramref name="bounds"/>.
    /// </summary>
    Task<bool> ReplaceStsPolicyAsync(Cluster.V1.SharedMtaStsPolicy policy, Cluster.V1.SharedMtaStsPolicy? replacing, StsPolicyBounds bounds, CancellationToken cancel = default);

    Task<Cluster.V1.SharedMtaStsPolicy?> GetStsPolicyAsync(string domain, CancellationToken cancel = default);

    /// <summary>Removes a domain's policy; with <paramref name="expiredBy"/>, only if it expires by then. True when removed.</summary>
    Task<bool> RemoveStsPolicyAsync(string domain, DateTimeOffset? expiredBy, CancellationToken cancel = default);

    /// <summary>The MTA-STS policies kept, one per domain (expired ones included: callers judge).</summary>
    Task<IReadOnlyList<Cluster.V1.SharedMtaStsPolicy>> ListStsPoliciesAsync(CancellationToken cancel = default);

    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int last, CancellationToken cancel = default);

    /// <summary>Throws <see cref="StoreException"/> when the store cannot be reached now (the store-unreachable alert).</summary>
    Task CheckReachableAsync(CancellationToken cancel = default);
}

internal enum TokenUse
{
    Accepted,
    Unknown,
    Expired,
    AlreadyUsed,
}
