using System.Text.RegularExpressions;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// The cluster's MTA-STS policy cache (RFC 8461 §5.1): a policy one node fetched is kept in the
/// store until its max_age runs out and passed on to every other connected node, and a node
/// whose stream opens gets every policy still valid. So the nodes apply the same policy, the
/// policy host is asked about once for the cluster, and a node that starts afresh is not open
/// to a downgrade the others would have caught.
/// </summary>
internal sealed partial class SharedStsPolicies(IManagerStore store, NodeQueries nodes, TimeProvider time, ILogger<SharedStsPolicies> logger)
{
    private const int MaxPolicyText = 64 * 1024;

    // Domains whose policies are kept for the cluster: far more than a gateway sends to in a
    // policy's lifetime, and a bound on what a misbehaving node can make the store hold.
    private const int MaxDomains = 100_000;
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(31_557_600);

    /// <summary>A policy <paramref name="from"/> fetched: kept and passed on when it is newer than the one kept.</summary>
    public async Task LearnedAsync(string from, SharedMtaStsPolicy policy, CancellationToken cancel)
    {
        if (Problem(policy) is { } problem)
        {
            LogRefused(logger, from, problem);
            return;
        }

        try
        {
            if (!await store.SaveStsPolicyAsync(policy, MaxDomains, cancel))
            {
                return;
            }
        }
        catch (StoreException e)
        {
            // The node keeps its own copy; the others fetch for themselves meanwhile.
            LogRefused(logger, from, $"the store cannot keep it now: {e.Message}");
            return;
        }

        LogShared(logger, policy.Domain, policy.Id, from);
        // Queued, not awaited: this runs in the sending node's reader loop. A node not taking it gets
        // every valid policy when its stream opens again.
        foreach (var node in nodes.Connected.Where(n => n != from))
        {
            nodes.Tell(node, new ManagerMessage { StsPolicy = policy });
        }
    }

    /// <summary>The policies a node gets when its stream opens: those not yet expired.</summary>
    public async Task<IReadOnlyList<SharedMtaStsPolicy>> ValidAsync(CancellationToken cancel)
    {
        var now = time.GetUtcNow();
        try
        {
            return [.. (await store.ListStsPoliciesAsync(cancel)).Where(p => p.ExpiresAt is not null && p.ExpiresAt.ToDateTimeOffset() > now)];
        }
        catch (StoreException)
        {
            // The stream still serves versions; the node keeps the policies it holds.
            return [];
        }
    }

    // Checked before a node's word reaches the store and the other nodes (which parse the text again).
    private string? Problem(SharedMtaStsPolicy policy)
    {
        var now = time.GetUtcNow();
        return !HostNameSyntax.IsValid(policy.Domain) ? "the domain is not a host name"
            : !PolicyId().IsMatch(policy.Id) ? "the id is not 1-32 letters and digits"
            : policy.PolicyText.Length is 0 or > MaxPolicyText ? "the policy text is empty or longer than 64 KB"
            : policy.FetchedAt is null || policy.ExpiresAt is null || policy.FetchedAt.ToDateTimeOffset() > now.AddMinutes(5)
                || policy.ExpiresAt.ToDateTimeOffset() <= policy.FetchedAt.ToDateTimeOffset() || policy.ExpiresAt.ToDateTimeOffset() - policy.FetchedAt.ToDateTimeOffset() > MaxAge ? "its times are not those of a policy"
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9]{1,32}$")]
    private static partial Regex PolicyId();

    [LoggerMessage(450, LogLevel.Information, "MTA-STS policy of {Domain} (id {Id}) from node {Node} shared with the cluster")]
    private static partial void LogShared(ILogger logger, string domain, string id, string node);

    [LoggerMessage(451, LogLevel.Warning, "MTA-STS policy from node {Node} refused: {Problem}")]
    private static partial void LogRefused(ILogger logger, string node, string problem);
}
