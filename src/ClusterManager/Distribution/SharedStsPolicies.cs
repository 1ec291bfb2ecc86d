using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Gatehouse.Cluster.MtaSts;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Matching;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// The cluster's MTA-STS policy cache (RFC 8461 §5.1): a policy one node fetched is kept in the
/// store until its max_age runs out and passed on to every other connected node, and a node
/// whose stream opens gets every policy still valid. So the nodes apply the same policy, the
/// policy host is asked about once for the cluster, and a node that starts afresh is not open
/// to a downgrade the others would have caught.
/// What a node shares is its word, not the truth: only <c>enforce</c> policies are taken (the
/// others protect nothing worth passing on), the manager sets the times from its own clock, a
/// policy under the id of one kept may only be as strict (same or fewer MX patterns, never a
/// lower mode), each node may share only so many an hour, and the whole is bounded in domains
/// and bytes. A node holding a policy it fetched itself applies the same rule to what it is sent.
/// </summary>
internal sealed partial class SharedStsPolicies(IManagerStore store, NodeQueries nodes, TimeProvider time, ILogger<SharedStsPolicies> logger) : IDisposable
{
    private const int MaxPolicyText = 64 * 1024;

    // Far more domains than a gateway sends to in a policy's lifetime; every valid policy goes to
    // each node whose stream opens, so the bytes are bounded too.
    public static readonly StsPolicyBounds Bounds = new(MaxDomains: 100_000, MaxBytes: 32L * 1024 * 1024);

    // A node sharing more than this is either misbehaving or sees so many new domains that the
    // others may as well fetch for themselves.
    private readonly PartitionedRateLimiter<string> perNode = PartitionedRateLimiter.Create<string, string>(node =>
        RateLimitPartition.GetTokenBucketLimiter(node, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 100, TokensPerPeriod = 10, ReplenishmentPeriod = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
        }), StringComparer.Ordinal);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> throttledSince = new(StringComparer.Ordinal);

    /// <summary>A policy <paramref name="from"/> fetched: kept and passed on when the rules above allow.</summary>
    public async Task LearnedAsync(string from, SharedMtaStsPolicy offered, CancellationToken cancel)
    {
        var now = time.GetUtcNow();
        using var permit = perNode.AttemptAcquire(from);
        if (!permit.IsAcquired)
        {
            // One line a minute per node, however fast it sends.
            if (now - throttledSince.GetValueOrDefault(from) > TimeSpan.FromMinutes(1))
            {
                throttledSince[from] = now;
                LogThrottled(logger, from);
            }

            return;
        }

        var (policy, problem) = Read(offered, now);
        if (policy is null)
        {
            LogRefused(logger, from, HostNameSyntax.IsValid(offered.Domain) ? offered.Domain : "?", problem!);
            return;
        }

        var stamped = new SharedMtaStsPolicy
        {
            Domain = offered.Domain.ToLowerInvariant(),
            Id = offered.Id,
            PolicyText = offered.PolicyText,
            FetchedAt = Timestamp.FromDateTimeOffset(now),
            ExpiresAt = Timestamp.FromDateTimeOffset(policy.ExpiresAt),
            SharedBy = from,
        };
        try
        {
            var kept = await store.GetStsPolicyAsync(stamped.Domain, cancel);
            if (kept is not null && kept.Id == stamped.Id && !policy.IsAtLeastAsStrictAs(MtaStsPolicy.Parse(kept.PolicyText, kept.Id, kept.FetchedAt.ToDateTimeOffset())))
            {
                LogLooser(logger, from, stamped.Domain, stamped.Id, kept.SharedBy);
                return;
            }

            if (!await store.ReplaceStsPolicyAsync(stamped, kept, Bounds, cancel))
            {
                LogRefused(logger, from, stamped.Domain, "the cluster keeps as many policies as it may, or another replica kept one meanwhile");
                return;
            }
        }
        catch (StoreException e)
        {
            // The node keeps its own copy; the others fetch for themselves meanwhile.
            LogRefused(logger, from, stamped.Domain, $"the store cannot keep it now: {e.Message}");
            return;
        }

        LogShared(logger, stamped.Domain, stamped.Id, from);
        // Queued, not awaited on any node: this runs in the sharing node's reader loop.
        await nodes.TellEveryNodeAsync(new ManagerMessage { StsPolicy = stamped }, except: from);
    }

    /// <summary>The policies a node gets when its stream opens: those not yet expired.</summary>
    public async Task<IReadOnlyList<SharedMtaStsPolicy>> ValidAsync(CancellationToken cancel)
    {
        try
        {
            return Valid(await store.ListStsPoliciesAsync(cancel), time.GetUtcNow());
        }
        catch (StoreException)
        {
            // The stream still serves versions; the node keeps the policies it holds.
            return [];
        }
    }

    /// <summary>Every policy kept, expired ones included, by domain.</summary>
    public async Task<IReadOnlyList<SharedMtaStsPolicy>> ListAsync(CancellationToken cancel) =>
        [.. (await store.ListStsPoliciesAsync(cancel)).OrderBy(p => p.Domain, StringComparer.Ordinal)];

    /// <summary>An admin's purge: the policy goes from the store and every connected node (on any replica) drops its copy and fetches anew.</summary>
    public async Task<bool> PurgeAsync(string domain, CancellationToken cancel)
    {
        var removed = await store.RemoveStsPolicyAsync(domain, expiredBy: null, cancel);
        await nodes.TellEveryNodeAsync(new ManagerMessage { StsForget = domain.ToLowerInvariant() }, except: null);

        return removed;
    }

    /// <summary>Drops the policies whose max_age has run out; the number dropped.</summary>
    public async Task<int> PruneAsync(CancellationToken cancel)
    {
        var now = time.GetUtcNow();
        var dropped = 0;
        foreach (var policy in await store.ListStsPoliciesAsync(cancel))
        {
            if (!IsValid(policy, now) && await store.RemoveStsPolicyAsync(policy.Domain, expiredBy: now, cancel))
            {
                dropped++;
            }
        }

        return dropped;
    }

    public void Dispose() => perNode.Dispose();

    private static List<SharedMtaStsPolicy> Valid(IEnumerable<SharedMtaStsPolicy> policies, DateTimeOffset now) =>
        [.. policies.Where(p => IsValid(p, now))];

    private static bool IsValid(SharedMtaStsPolicy policy, DateTimeOffset now) =>
        policy.ExpiresAt is not null && policy.ExpiresAt.ToDateTimeOffset() > now;

    // Checked before a node's word reaches the store and the other nodes (which parse the text again):
    // the policy as read, or why it is refused.
    private static (MtaStsPolicy? Policy, string? Problem) Read(SharedMtaStsPolicy offered, DateTimeOffset now)
    {
        if (!HostNameSyntax.IsValid(offered.Domain))
        {
            return (null, "the domain is not a host name");
        }

        if (!PolicyId().IsMatch(offered.Id))
        {
            return (null, "the id is not 1-32 letters and digits");
        }

        if (offered.PolicyText.Length is 0 or > MaxPolicyText)
        {
            return (null, "the policy text is empty or longer than 64 KB");
        }

        try
        {
            var policy = MtaStsPolicy.Parse(offered.PolicyText, offered.Id, now);
            return policy.Mode == MtaStsMode.Enforce ? (policy, null)
                : (null, "only enforce policies are shared; each node fetches testing and none policies itself");
        }
        catch (FormatException e)
        {
            return (null, $"not a policy: {e.Message}");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9]{1,32}\z")]
    private static partial Regex PolicyId();

    [LoggerMessage(450, LogLevel.Information, "MTA-STS policy of {Domain} (id {Id}) from node {Node} shared with the cluster")]
    private static partial void LogShared(ILogger logger, string domain, string id, string node);

    [LoggerMessage(451, LogLevel.Warning, "MTA-STS policy of {Domain} from node {Node} refused: {Problem}")]
    private static partial void LogRefused(ILogger logger, string node, string domain, string problem);

    [LoggerMessage(453, LogLevel.Warning, "MTA-STS policies from node {Node} refused for a while: it shares more than 10 a minute")]
    private static partial void LogThrottled(ILogger logger, string node);

    [LoggerMessage(452, LogLevel.Warning, "MTA-STS policy of {Domain} from node {Node} refused: looser than the one kept under the same id {Id} (shared by {KeptFrom}); the policy host may have changed it without a new id, or the node is not to be trusted")]
    private static partial void LogLooser(ILogger logger, string node, string domain, string id, string keptFrom);
}
