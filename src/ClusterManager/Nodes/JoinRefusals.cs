using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Refused joins go to the audit log as one line a minute, not one per attempt: a flood of
/// guessed tokens must not grow the log or stall the store with a write each. The first
/// refusal of a quiet period is recorded at once, so a single mistake is seen immediately; the
/// rest of the minute is summed up when it is over, whether or not another refusal comes.
/// </summary>
internal sealed partial class JoinRefusals(AuditLog audit, JobPeriods periods, TimeProvider time, ILogger<JoinRefusals> logger)
    : PeriodicJob(periods, time, logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxAddressesNamed = 5;
    private readonly Lock gate = new();
    private readonly Dictionary<TokenUse, int> counts = [];
    private readonly SortedSet<string> addresses = new(StringComparer.Ordinal);
    private DateTimeOffset windowStart = DateTimeOffset.MinValue;

    protected override TimeSpan DefaultPeriod => TimeSpan.FromSeconds(15);

    public async Task RecordAsync(TokenUse verdict, string tokenId, string nodeName, string peer, CancellationToken cancel)
    {
        string? summary = null;
        var first = false;
        lock (gate)
        {
            var now = Time.GetUtcNow();
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

    /// <summary>Writes the summary of a minute that is over; the next refusal is again recorded at once.</summary>
    public async Task FlushAsync(CancellationToken cancel)
    {
        string? summary;
        lock (gate)
        {
            if (Time.GetUtcNow() - windowStart < Window || (summary = Summary()) is null)
            {
                return;
            }

            counts.Clear();
            addresses.Clear();
            windowStart = DateTimeOffset.MinValue;
        }

        await audit.RecordAsync("join", "join refused", summary, cancel);
    }

    protected override async Task RunOnceAsync(CancellationToken cancel)
    {
        try
        {
            await FlushAsync(cancel);
        }
        catch (StoreException e)
        {
            LogNotRecorded(Logger, e.Message);
        }
    }

    private string? Summary()
    {
        var total = counts.Values.Sum();
        return total == 0 ? null
            : $"{total} more refused joins in the minute from {windowStart:u} ({string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"))}) "
              + $"from {string.Join(", ", addresses)}{(addresses.Count == MaxAddressesNamed ? " and others" : "")}";
    }

    [LoggerMessage(130, LogLevel.Warning, "Refused joins could not be summed up in the audit log: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string reason);
}
