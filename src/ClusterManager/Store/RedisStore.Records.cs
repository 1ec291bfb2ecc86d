using Gatehouse.Manager.V1;
using StackExchange.Redis;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// The store's append-only records — the audit log, alerts and their events, TLS report events —
/// and the MTA-STS policies the nodes share. Those added once or replaced only by newer ones go
/// through one Lua script each, so of two replicas that add the same record only one does.
/// </summary>
internal sealed partial class RedisStore
{
    // Keeps a value per field unless the one kept is as new or newer (ARGV[2], seconds), or the
    // field is new and ARGV[4] fields are kept.
    private const string NewerScript = """
        local kept = redis.call('HGET', KEYS[1], ARGV[1])
        if kept and tonumber(kept) >= tonumber(ARGV[2]) then return 0 end
        if not kept and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        return 1
        """;

    private const string AddOnceScript = """
        if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('RPUSH', KEYS[2], ARGV[2])
        return 1
        """;

    private readonly ConnectionMultiplexer redis;
    private readonly string prefix;

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken cancel = default) =>
        Call(() => Db.ListRightPushAsync(Key("audit"), ProtoJson.Format(entry)));

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int last, CancellationToken cancel = default) =>
        (await Call(() => Db.ListRangeAsync(Key("audit"), -last, -1))).Select(v => Parse<AuditEntry>(v)!).ToList();

    public async Task<bool> TryAddAlertAsync(AlertRecord alert, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(AddOnceScript, [Key("alert-keys"), Key("alerts")], [alert.Key, ProtoJson.Format(alert)])) == 1;

    public async Task<IReadOnlyList<AlertRecord>> ListAlertsAsync(int last, CancellationToken cancel = default) =>
        (await Call(() => Db.ListRangeAsync(Key("alerts"), -last, -1))).Select(v => Parse<AlertRecord>(v)!).ToList();

    public async Task<bool> TryAddAlertEventAsync(AlertEvent alertEvent, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(AddOnceScript, [Key("alert-event-keys"), Key("alert-events")],
            [$"{alertEvent.Kind}|{alertEvent.AlertKey}", ProtoJson.Format(alertEvent)])) == 1;

    public async Task<IReadOnlyList<AlertEvent>> ListAlertEventsAsync(int last, CancellationToken cancel = default) =>
        (await Call(() => Db.ListRangeAsync(Key("alert-events"), -last, -1))).Select(v => Parse<AlertEvent>(v)!).ToList();

    public async Task<bool> TryAddTlsReportEventAsync(TlsReportEvent reportEvent, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(AddOnceScript, [Key("tls-report-event-keys"), Key("tls-report-events")],
            [$"{reportEvent.Kind}|{reportEvent.ReportKey}", ProtoJson.Format(reportEvent)])) == 1;

    public async Task<IReadOnlyList<TlsReportEvent>> ListTlsReportEventsAsync(int last, CancellationToken cancel = default) =>
        (await Call(() => Db.ListRangeAsync(Key("tls-report-events"), -last, -1))).Select(v => Parse<TlsReportEvent>(v)!).ToList();

    public async Task<bool> SaveStsPolicyAsync(Cluster.V1.SharedMtaStsPolicy policy, int maxDomains, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(NewerScript, [Key("sts-fetched"), Key("sts-policies")],
            [policy.Domain.ToLowerInvariant(), policy.FetchedAt.Seconds, ProtoJson.Format(policy), maxDomains])) == 1;

    public async Task<IReadOnlyList<Cluster.V1.SharedMtaStsPolicy>> ListStsPoliciesAsync(CancellationToken cancel = default) =>
        (await Call(() => Db.HashValuesAsync(Key("sts-policies")))).Select(v => Parse<Cluster.V1.SharedMtaStsPolicy>(v)!).ToList();
}
