using System.Globalization;
using Gatehouse.Manager.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// The manager's store in Redis, for several manager replicas on one cluster. Records are
/// the same JSON as the file store's; every operation that must be atomic is a Lua script
/// or a conditional transaction, so two replicas can never both win a version or a token.
/// </summary>
internal sealed partial class RedisStore : IManagerStore, IDisposable
{
    // The revision of the pending changes held at KEYS[n] (protobuf JSON writes int64 as a string; 0 is left out).
    private const string PendingRevision = """
        local function pending_revision(key)
          local held = redis.call('GET', key)
          if not held then return 0 end
          return tonumber(cjson.decode(held)['revision'] or '0')
        end
        """;

    private const string CommitScript = PendingRevision + "\n" + """
        local latest = tonumber(redis.call('GET', KEYS[1]) or '0')
        if latest + 1 ~= tonumber(ARGV[1]) then return 0 end
        if ARGV[3] ~= '' and pending_revision(KEYS[3]) ~= tonumber(ARGV[3]) then return 0 end
        redis.call('SET', KEYS[2], ARGV[2])
        redis.call('SET', KEYS[1], ARGV[1])
        if ARGV[3] ~= '' then redis.call('DEL', KEYS[3]) end
        return 1
        """;

    private const string SavePendingScript = PendingRevision + "\n" + """
        if pending_revision(KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1
        """;

    // What nodes need while Redis is away: the newest version and their own records, as last read.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, NodeRecord?> lastNodes = new(StringComparer.Ordinal);
    private ConfigVersion? lastLatest;

    private RedisStore(ConnectionMultiplexer redis, string prefix)
    {
        this.redis = redis;
        this.prefix = prefix;
    }

    /// <summary>
    /// Connects to <c>redis[s]://[USER@]HOST:PORT[/DB]</c>; keys are prefixed so one Redis can
    /// hold several clusters. Over TLS the server must chain to the given CA (or the system's)
    /// and carry the host name of the URL.
    /// </summary>
    public static async Task<RedisStore> ConnectAsync(RedisLocation location, string prefix = "gatehouse")
    {
        var uri = location.Uri;
        var options = new ConfigurationOptions
        {
            EndPoints = { { uri.Host, uri.Port > 0 ? uri.Port : 6379 } },
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 5000,
            AsyncTimeout = 5000,
            DefaultDatabase = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? int.Parse(db, CultureInfo.InvariantCulture) : null,
            User = location.User,
            Password = location.Password,
            Ssl = location.Tls,
            SslHost = location.Tls ? uri.Host : null,
            SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        };
        if (location.Ca is { } ca)
        {
            // The CA file, not the system's list, decides; intermediates are the ones the server sent.
            options.CertificateValidation += (_, certificate, chain, errors) =>
                certificate is not null && !errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch)
                && Cluster.Membership.PrivateTrust.Problem(
                    new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate), [ca],
                    chain?.ChainPolicy.ExtraStore.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>()) is null;
        }

        return new RedisStore(await ConnectionMultiplexer.ConnectAsync(options), prefix);
    }

    public ConnectionMultiplexer Connection => redis;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>The newest version; while Redis is unreachable, the newest one read before.</summary>
    public async Task<ConfigVersion> GetLatestAsync(CancellationToken cancel = default)
    {
        try
        {
            var latest = (long?)await Call(() => Db.StringGetAsync(Key("latest"))) ?? 0;
            var version = latest == 0 ? Empty() : await GetVersionAsync(latest, cancel) ?? Empty();
            Volatile.Write(ref lastLatest, version);
            return version;
        }
        catch (StoreException) when (Volatile.Read(ref lastLatest) is not null)
        {
            return Volatile.Read(ref lastLatest)!;
        }
    }

    public async Task<ConfigVersion?> GetVersionAsync(long version, CancellationToken cancel = default) =>
        Parse<ConfigVersion>(await Call(() => Db.StringGetAsync(VersionKey(version))));

    public async Task<IReadOnlyList<ConfigVersion>> ListVersionsAsync(CancellationToken cancel = default)
    {
        var latest = (long?)await Call(() => Db.StringGetAsync(Key("latest"))) ?? 0;
        var keys = Enumerable.Range(1, (int)latest).Select(v => (RedisKey)VersionKey(v)).ToArray();
        var values = keys.Length == 0 ? [] : await Call(() => Db.StringGetAsync(keys));
        return values.Select(Parse<ConfigVersion>).OfType<ConfigVersion>().ToList();
    }

    public async Task<int> RewriteContentAsync(Func<Cluster.V1.ConfigurationSet, Cluster.V1.ConfigurationSet?> rewrite, CancellationToken cancel = default)
    {
        var latest = (long?)await Call(() => Db.StringGetAsync(Key("latest"))) ?? 0;
        var keys = Enumerable.Range(1, (int)latest).Select(v => (RedisKey)VersionKey(v)).Append(Key("pending"));
        var changed = 0;
        foreach (var key in keys)
        {
            // Each record only if nobody wrote it meanwhile; another replica may be doing the same.
            var current = await Call(() => Db.StringGetAsync(key));
            if (current.IsNull)
            {
                continue;
            }

            IMessage record = key == Key("pending") ? Parse<PendingChanges>(current)! : Parse<ConfigVersion>(current)!;
            var content = record is PendingChanges p ? p.Content : ((ConfigVersion)record).Content;
            if (rewrite(content) is not { } rewritten)
            {
                continue;
            }

            if (record is PendingChanges pending)
            {
                pending.Content = rewritten;
            }
            else
            {
                ((ConfigVersion)record).Content = rewritten;
            }

            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.StringEqual(key, current));
            _ = transaction.StringSetAsync(key, ProtoJson.Format(record));
            changed += await Call(() => transaction.ExecuteAsync()) ? 1 : 0;
        }

        return changed;
    }

    public async Task<bool> TryCommitAsync(ConfigVersion next, long? clearPendingAt, CancellationToken cancel = default)
    {
        var won = (long)await Call(() => Db.ScriptEvaluateAsync(CommitScript,
            [Key("latest"), VersionKey(next.Version), Key("pending")],
            [next.Version, ProtoJson.Format(next), clearPendingAt?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""])) == 1;
        if (won)
        {
            // Replicas push at once; a lost message only waits for their periodic re-check.
            await Call(() => redis.GetSubscriber().PublishAsync(VersionsChannel, next.Version));
        }

        return won;
    }

    /// <summary>Calls <paramref name="committed"/> whenever any replica commits a version.</summary>
    public Task SubscribeToCommitsAsync(Action committed) =>
        Call(() => redis.GetSubscriber().SubscribeAsync(VersionsChannel, (_, _) => committed()));

    private RedisChannel RemovalsChannel => RedisChannel.Literal($"{prefix}:removals");

    private RedisChannel VersionsChannel => RedisChannel.Literal($"{prefix}:versions");

    public async Task<PendingChanges?> GetPendingAsync(CancellationToken cancel = default) =>
        Parse<PendingChanges>(await Call(() => Db.StringGetAsync(Key("pending"))));

    public async Task<bool> TrySavePendingAsync(PendingChanges pending, CancellationToken cancel = default)
    {
        var saved = pending.Clone();
        saved.Revision++;
        var won = (long)await Call(() => Db.ScriptEvaluateAsync(SavePendingScript, [Key("pending")], [pending.Revision, ProtoJson.Format(saved)])) == 1;
        if (won)
        {
            pending.Revision = saved.Revision;
        }

        return won;
    }

    public Task ClearPendingAsync(CancellationToken cancel = default) => Call(() => Db.KeyDeleteAsync(Key("pending")));

    /// <summary>A node's record; while Redis is unreachable, the record read before, so members stay connected.</summary>
    public async Task<NodeRecord?> GetNodeAsync(string name, CancellationToken cancel = default)
    {
        try
        {
            var node = Parse<NodeRecord>(await Call(() => Db.HashGetAsync(Key("nodes"), name)));
            lastNodes[name] = node;
            return node;
        }
        catch (StoreException) when (lastNodes.ContainsKey(name))
        {
            return lastNodes[name];
        }
    }

    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancel = default) =>
        (await Call(() => Db.HashGetAllAsync(Key("nodes"))))
            .Select(e => Parse<NodeRecord>(e.Value)!)
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .ToList();

    public Task SaveNodeAsync(NodeRecord node, CancellationToken cancel = default) =>
        Call(() => Db.HashSetAsync(Key("nodes"), node.Name, ProtoJson.Format(node)));

    public async Task<bool> UpdateNodeAsync(string name, Action<NodeRecord> change, CancellationToken cancel = default)
    {
        // Optimistic: apply the change only if the record is still the one read.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await Call(() => Db.HashGetAsync(Key("nodes"), name));
            if (current.IsNull)
            {
                return false;
            }

            var node = Parse<NodeRecord>(current)!;
            change(node);
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(Key("nodes"), name, current));
            _ = transaction.HashSetAsync(Key("nodes"), name, ProtoJson.Format(node));
            if (await Call(() => transaction.ExecuteAsync()))
            {
                return true;
            }
        }

        throw new StoreException($"node {name} changed too often to update");
    }

    public async Task<bool> RemoveNodeAsync(string name, RevokedCertificate revocation, CancellationToken cancel = default)
    {
        var transaction = Db.CreateTransaction();
        transaction.AddCondition(Condition.HashExists(Key("nodes"), name));
        _ = transaction.HashDeleteAsync(Key("nodes"), name);
        _ = transaction.HashSetAsync(Key("revoked"), revocation.Serial, ProtoJson.Format(revocation));
        var removed = await Call(() => transaction.ExecuteAsync());
        lastNodes.TryRemove(name, out _);
        if (removed)
        {
            // Every replica closes the node's stream at once, not at its next re-check.
            await Call(() => redis.GetSubscriber().PublishAsync(RemovalsChannel, name));
        }

        return removed;
    }

    public Task SubscribeToRemovalsAsync(Action<string> removed) =>
        Call(() => redis.GetSubscriber().SubscribeAsync(RemovalsChannel, (_, name) => removed(name.ToString())));

    public Task RestoreRevokedAsync(RevokedCertificate revocation, CancellationToken cancel = default) =>
        Call(() => Db.HashSetAsync(Key("revoked"), revocation.Serial, ProtoJson.Format(revocation)));

    public async Task<IReadOnlyList<RevokedCertificate>> ListRevokedAsync(CancellationToken cancel = default) =>
        (await Call(() => Db.HashGetAllAsync(Key("revoked"))))
            .Select(e => Parse<RevokedCertificate>(e.Value)!)
            .OrderBy(r => r.Serial, StringComparer.Ordinal)
            .ToList();

    public async Task<bool> IsRevokedAsync(string serial, CancellationToken cancel = default)
    {
        try
        {
            return await Call(() => Db.HashExistsAsync(Key("revoked"), serial));
        }
        catch (StoreException) when (lastNodes.Values.Any(n => n?.CertificateSerial == serial))
        {
            // A member known before the outage; a removal made since cannot have happened without Redis.
            return false;
        }
    }

    public Task AddJoinTokenAsync(JoinTokenRecord token, CancellationToken cancel = default) =>
        Call(() => Db.HashSetAsync(Key("tokens"), token.Id, ProtoJson.Format(token)));

    public async Task<TokenUse> TryUseJoinTokenAsync(string id, string secretHash, string nodeName, DateTimeOffset now, CancellationToken cancel = default)
    {
        while (true)
        {
            var current = await Call(() => Db.HashGetAsync(Key("tokens"), id));
            var token = Parse<JoinTokenRecord>(current);
            var verdict = TokenRules.Judge(token, secretHash, now);
            if (verdict != TokenUse.Accepted)
            {
                return verdict;
            }

            token!.Used = true;
            token.UsedByNode = nodeName;
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(Key("tokens"), id, current));
            _ = transaction.HashSetAsync(Key("tokens"), id, ProtoJson.Format(token));
            if (await Call(() => transaction.ExecuteAsync()))
            {
                return TokenUse.Accepted;
            }

            // Another replica changed the token first: judge it again as it is now.
        }
    }

    public void Dispose() => redis.Dispose();

    public string Key(string name) => $"{prefix}:{name}";

    private string VersionKey(long version) => $"{prefix}:version:{version}";

    private static ConfigVersion Empty() => new()
    {
        Version = 0,
        Content = new Cluster.V1.ConfigurationSet { Cluster = new Cluster.V1.LevelConfig() },
        CommittedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
    };

    private static T? Parse<T>(RedisValue value)
        where T : class, IMessage<T>, new() => value.IsNull ? null : ProtoJson.Parse<T>(value.ToString());

    // Redis being away is an admin-visible condition, not a crash.
    public Task CheckReachableAsync(CancellationToken cancel = default) => Call(() => Db.PingAsync());

    private static async Task<T> Call<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or RedisServerException)
        {
            throw new StoreException($"the Redis store is unavailable: {e.Message}", e);
        }
    }

    private static async Task Call(Func<Task> operation) => await Call(async () =>
    {
        await operation();
        return true;
    });
}
