using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Refused joins go to the audit log as one line a minute, not one per attempt: a flood of
/// guessed tokens must not grow the log or stall the store with a write each. The first
/// refusal of a quiet period is recorded at once, so a single mistake is seen immediately.
/// </summary>
internal sealed class JoinRefusals(AuditLog audit, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxAddressesNamed = 5;
    private readonly Lock gate = new();
    private readonly Dictionary<TokenUse, int> counts = [];
    private readonly SortedSet<string> addresses = new(StringComparer.Ordinal);
    private DateTimeOffset windowStart = DateTimeOffset.MinValue;

    public async Task RecordAsync(TokenUse verdict, string tokenId, string nodeName, string peer, CancellationToken cancel)
    {
        string? summary = null;
        var first = false;
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (now - windowStart >= Window)
            {
                summary = Summary();
                counts.Clear();
                addresses.Clear();
                windowStart = now;
                first = true;
            }
            else
            {
                counts[verdict] = counts.GetValueOrDefault(verdict) + 1;
                if (addresses.Count < MaxAddressesNamed)
                {
                    addresses.Add(peer);
                }
            }
        }

        if (summary is not null)
        {
            await audit.RecordAsync("join", "join refused", summary, cancel);
        }

        if (first)
        {
            await audit.RecordAsync($"node {nodeName}", "join refused", $"token {tokenId}: {verdict} from {peer}", cancel);
        }
    }

    private string? Summary()
    {
        var total = counts.Values.Sum();
        return total == 0 ? null
            : $"{total} more refused joins in the minute from {windowStart:u} ({string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"))}) "
              + $"from {string.Join(", ", addresses)}{(addresses.Count == MaxAddressesNamed ? " and others" : "")}";
    }
}
