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
    // KEYS: policies, expiry seconds, bytes kept. ARGV: domain, the value replaced ('' for none), the new value, its expiry, max domains, max bytes.
    private const string ReplaceStsScript = """
        local kept = redis.call('HGET', KEYS[1], ARGV[1])
        if (kept or '') ~= ARGV[2] then return 0 end
        if not kept and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return 0 end
        local bytes = tonumber(redis.call('GET', KEYS[3]) or '0') - string.len(kept or '') + string.len(ARGV[3])
        if bytes > tonumber(ARGV[6]) then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
        redis.call('SET', KEYS[3], bytes)
        return 1
        """;

    // KEYS as above. ARGV: domain, and the time (seconds) it must expire by, or '' for any.
    private const string RemoveStsScript = """
        local kept = redis.call('HGET', KEYS[1], ARGV[1])
        if not kept then return 0 end
        if ARGV[2] ~= '' and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') > tonumber(ARGV[2]) then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('SET', KEYS[3], math.max(0, tonumber(redis.call('GET', KEYS[3]) or '0') - string.len(kept)))
        return 1
        """;

    // KEYS: tokens by name, names by hash. ARGV: name, hash, record.
    private const string AddApiTokenScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
        return 1
        """;

    // KEYS as above. ARGV: name, its hash.
    private const string RemoveApiTokenScript = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('HDEL', KEYS[2], ARGV[2])
        return 1
        """;

    private const string AddOnceScript = """
        if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('RPUSH', KEYS[2], ARGV[2])
        return 1
        """;

    private readonly ConnectionMultiplexer redis;

    private RedisKey[] ApiTokenKeys => [Key("api-tokens"), Key("api-token-hashes")];

    private RedisKey[] StsKeys => [Key("sts-policies"), Key("sts-expires"), Key("sts-bytes")];
    private readonly string prefix;

    public Task SaveGuiUserAsync(GuiUserRecord user, CancellationToken cancel = default) =>
        Call(() => Db.HashSetAsync(Key("gui-users"), user.Name, ProtoJson.Format(user)));

    public async Task<GuiUserRecord?> GetGuiUserAsync(string name, CancellationToken cancel = default) =>
        Parse<GuiUserRecord>(await Call(() => Db.HashGetAsync(Key("gui-users"), name)));

    public async Task<IReadOnlyList<GuiUserRecord>> ListGuiUsersAsync(CancellationToken cancel = default) =>
        [.. (await Call(() => Db.HashValuesAsync(Key("gui-users")))).Select(v => Parse<GuiUserRecord>(v)!).OrderBy(u => u.Name, StringComparer.Ordinal)];

    public async Task<bool> RemoveGuiUserAsync(string name, CancellationToken cancel = default) =>
        await Call(() => Db.HashDeleteAsync(Key("gui-users"), name));

    public async Task<bool> TryAddApiTokenAsync(ApiTokenRecord token, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(AddApiTokenScript, ApiTokenKeys, [token.Name, token.Hash, ProtoJson.Format(token)])) == 1;

    public async Task<ApiTokenRecord?> FindApiTokenAsync(string hash, CancellationToken cancel = default)
    {
        var name = await Call(() => Db.HashGetAsync(Key("api-token-hashes"), hash));
        var token = name.IsNull ? null : Parse<ApiTokenRecord>(await Call(() => Db.HashGetAsync(Key("api-tokens"), name.ToString())));
        // Revoked between the two reads, or the index is stale: no token.
        return token?.Hash == hash ? token : null;
    }

    public async Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken cancel = default) =>
        [.. (await Call(() => Db.HashValuesAsync(Key("api-tokens")))).Select(v => Parse<ApiTokenRecord>(v)!).OrderBy(t => t.Name, StringComparer.Ordinal)];

    public async Task<bool> RemoveApiTokenAsync(string name, CancellationToken cancel = default)
    {
        var token = Parse<ApiTokenRecord>(await Call(() => Db.HashGetAsync(Key("api-tokens"), name)));
        return token is not null && (long)await Call(() => Db.ScriptEvaluateAsync(RemoveApiTokenScript, ApiTokenKeys, [name, token.Hash])) == 1;
    }

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

    public async Task<bool> ReplaceStsPolicyAsync(Cluster.V1.SharedMtaStsPolicy policy, Cluster.V1.SharedMtaStsPolicy? replacing, StsPolicyBounds bounds, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(ReplaceStsScript, StsKeys, [
            policy.Domain.ToLowerInvariant(), replacing is null ? "" : ProtoJson.Format(replacing), ProtoJson.Format(policy),
            policy.ExpiresAt?.Seconds ?? 0, bounds.MaxDomains, bounds.MaxBytes])) == 1;

    public async Task<Cluster.V1.SharedMtaStsPolicy?> GetStsPolicyAsync(string domain, CancellationToken cancel = default) =>
        Parse<Cluster.V1.SharedMtaStsPolicy>(await Call(() => Db.HashGetAsync(Key("sts-policies"), domain.ToLowerInvariant())));

    public async Task<bool> RemoveStsPolicyAsync(string domain, DateTimeOffset? expiredBy, CancellationToken cancel = default) =>
        (long)await Call(() => Db.ScriptEvaluateAsync(RemoveStsScript, StsKeys, [
            domain.ToLowerInvariant(), expiredBy is { } by ? by.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : ""])) == 1;

    public async Task<IReadOnlyList<Cluster.V1.SharedMtaStsPolicy>> ListStsPoliciesAsync(CancellationToken cancel = default) =>
        (await Call(() => Db.HashValuesAsync(Key("sts-policies")))).Select(v => Parse<Cluster.V1.SharedMtaStsPolicy>(v)!).ToList();
}
