using System.Net;
using System.Threading.RateLimiting;
using Gatehouse.Cluster.Harvest;
using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// The cluster's DHAP count: the invalid recipients one node refused go to every other node, on
/// this replica and the others, which count them against the same client addresses. Nothing is
/// kept: each node holds its own hour. A node's word is bounded before it is passed on (so many
/// addresses and refusals a report, so many reports a second), since a node that lies can at
/// worst make the others refuse a client it names, as it could refuse that client itself.
/// </summary>
internal sealed partial class HarvestRelay(NodeQueries nodes, TimeProvider time, ILogger<HarvestRelay> logger) : IDisposable
{
    // An honest node reports once a second.
    private readonly PartitionedRateLimiter<string> perNode = PartitionedRateLimiter.Create<string, string>(node =>
        RateLimitPartition.GetTokenBucketLimiter(node, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 10, TokensPerPeriod = 2, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
        }), StringComparer.Ordinal);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> throttledSince = new(StringComparer.Ordinal);

    /// <summary>What <paramref name="from"/> refused since its last report, passed on to the other nodes.</summary>
    public async Task ReportedAsync(string from, InvalidRecipientCounts report)
    {
        using var permit = perNode.AttemptAcquire(from);
        if (!permit.IsAcquired)
        {
            var now = time.GetUtcNow();
            if (now - throttledSince.GetValueOrDefault(from) > TimeSpan.FromMinutes(1))
            {
                throttledSince[from] = now;
                LogThrottled(logger, from);
            }

            return;
        }

        var relayed = new InvalidRecipientCounts();
        foreach (var count in report.Counts.Take(InvalidRecipientBounds.MaxAddresses))
        {
            if (IPAddress.TryParse(count.Address, out var client) && count.Count > 0)
            {
                relayed.Counts.Add(new InvalidRecipientCount { Address = client.ToString(), Count = Math.Min(count.Count, InvalidRecipientBounds.MaxPerAddress) });
            }
        }

        if (relayed.Counts.Count > 0)
        {
            // Queued, not awaited on any node: this runs in the reporting node's reader loop.
            await nodes.TellEveryNodeAsync(new ManagerMessage { InvalidRecipients = relayed }, except: from);
        }
    }

    public void Dispose() => perNode.Dispose();

    [LoggerMessage(461, LogLevel.Warning, "Invalid recipient reports from node {Node} dropped for a while: it sends more than 2 a second")]
    private static partial void LogThrottled(ILogger logger, string node);
}
