using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// The file store's records beside versions and nodes: GUI users, API tokens, the audit log,
/// alerts and their events, TLS report events and shared MTA-STS policies.
/// </summary>
internal sealed partial class FileStore
{
    public Task SaveGuiUserAsync(GuiUserRecord user, CancellationToken cancel = default) =>
        Locked(() => WriteAsync(GuiUserPath(user.Name), user, cancel));

    public Task<GuiUserRecord?> GetGuiUserAsync(string name, CancellationToken cancel = default) =>
        Locked(() => ReadAsync<GuiUserRecord>(GuiUserPath(name), cancel));

    public Task<IReadOnlyList<GuiUserRecord>> ListGuiUsersAsync(CancellationToken cancel = default) =>
        Locked(() => ReadAllAsync<GuiUserRecord>("gui-users", cancel));

    public Task<bool> RemoveGuiUserAsync(string name, CancellationToken cancel = default) =>
        Locked(() => Task.FromResult(Delete(GuiUserPath(name))));

    public Task<bool> TryAddApiTokenAsync(ApiTokenRecord token, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            if (File.Exists(ApiTokenPath(token.Name)))
            {
                return false;
            }

            await WriteAsync(ApiTokenPath(token.Name), token, cancel);
            return true;
        });

    public async Task<ApiTokenRecord?> FindApiTokenAsync(string hash, CancellationToken cancel = default) =>
        (await ListApiTokensAsync(cancel)).FirstOrDefault(t => t.Hash == hash);

    public Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken cancel = default) =>
        Locked(() => ReadAllAsync<ApiTokenRecord>("api-tokens", cancel));

    public Task<bool> RemoveApiTokenAsync(string name, CancellationToken cancel = default) =>
        Locked(() => Task.FromResult(Delete(ApiTokenPath(name))));

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken cancel = default) =>
        Locked(() => AppendLineAsync(AuditPath, entry, cancel));

    public Task<bool> TryAddAlertAsync(AlertRecord alert, CancellationToken cancel = default) =>
        AppendOnceAsync(AlertsPath, alert, a => a.Key == alert.Key, cancel);

    public Task<IReadOnlyList<AlertRecord>> ListAlertsAsync(int last, CancellationToken cancel = default) =>
        Locked(() => ReadLinesAsync<AlertRecord>(AlertsPath, last, cancel));

    public Task<bool> TryAddAlertEventAsync(AlertEvent alertEvent, CancellationToken cancel = default) =>
        AppendOnceAsync(AlertEventsPath, alertEvent, e => e.AlertKey == alertEvent.AlertKey && e.Kind == alertEvent.Kind, cancel);

    public Task<IReadOnlyList<AlertEvent>> ListAlertEventsAsync(int last, CancellationToken cancel = default) =>
        Locked(() => ReadLinesAsync<AlertEvent>(AlertEventsPath, last, cancel));

    public Task<bool> TryAddTlsReportEventAsync(TlsReportEvent reportEvent, CancellationToken cancel = default) =>
        AppendOnceAsync(TlsReportEventsPath, reportEvent, e => e.ReportKey == reportEvent.ReportKey && e.Kind == reportEvent.Kind, cancel);

    public Task<IReadOnlyList<TlsReportEvent>> ListTlsReportEventsAsync(int last, CancellationToken cancel = default) =>
        Locked(() => ReadLinesAsync<TlsReportEvent>(TlsReportEventsPath, last, cancel));

    public Task<bool> ReplaceStsPolicyAsync(Cluster.V1.SharedMtaStsPolicy policy, Cluster.V1.SharedMtaStsPolicy? replacing, StsPolicyBounds bounds, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var path = StsPolicyPath(policy.Domain);
            var kept = await ReadAsync<Cluster.V1.SharedMtaStsPolicy>(path, cancel);
            if (!Equals(kept, replacing))
            {
                return false;
            }

            var others = Directory.EnumerateFiles(Path.Combine(root, "mta-sts"), "*.json").Where(f => f != path).Select(f => new FileInfo(f)).ToList();
            if ((kept is null && others.Count >= bounds.MaxDomains) || others.Sum(f => f.Length) + ProtoJson.Format(policy).Length > bounds.MaxBytes)
            {
                return false;
            }

            await WriteAsync(path, policy, cancel);
            return true;
        });

    public Task<Cluster.V1.SharedMtaStsPolicy?> GetStsPolicyAsync(string domain, CancellationToken cancel = default) =>
        Locked(() => ReadAsync<Cluster.V1.SharedMtaStsPolicy>(StsPolicyPath(domain), cancel));

    public Task<bool> RemoveStsPolicyAsync(string domain, DateTimeOffset? expiredBy, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var path = StsPolicyPath(domain);
            var kept = await ReadAsync<Cluster.V1.SharedMtaStsPolicy>(path, cancel);
            if (kept is null || (expiredBy is { } by && kept.ExpiresAt is not null && kept.ExpiresAt.ToDateTimeOffset() > by))
            {
                return false;
            }

            File.Delete(path);
            return true;
        });

    public Task<IReadOnlyList<Cluster.V1.SharedMtaStsPolicy>> ListStsPoliciesAsync(CancellationToken cancel = default) =>
        Locked(() => ReadAllAsync<Cluster.V1.SharedMtaStsPolicy>("mta-sts", cancel));

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int last, CancellationToken cancel = default) =>
        Locked(() => ReadLinesAsync<AuditEntry>(AuditPath, last, cancel));
}
