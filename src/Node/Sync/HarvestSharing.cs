using System.Net;
using Gatehouse.Cluster.Harvest;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Policy;

namespace Gatehouse.Node.Sync;

/// <summary>
/// DHAP across the cluster: the recipients this node refused go to the manager every
/// <see cref="SyncTimings.HarvestReport"/>, and those the other nodes refused, as the manager
/// relays them, count here against the same client addresses. A harvester spreading its probes
/// over the nodes meets the limit as if it had kept to one.
/// </summary>
internal sealed class HarvestSharing(InvalidRecipients counts, SyncTimings timings, TimeProvider time)
{
    /// <summary>Reports this node's refusals for as long as the stream is open.</summary>
    public async Task ReportAsync(Func<NodeMessage, Task> write, CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                await Task.Delay(timings.HarvestReport, time, cancel);
                var taken = counts.TakeUnreported();
                if (taken.Count > 0)
                {
                    var report = new InvalidRecipientCounts();
                    report.Counts.AddRange(taken.Select(c => new InvalidRecipientCount { Address = c.Key.ToString(), Count = c.Value }));
                    await write(new NodeMessage { InvalidRecipients = report });
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException or InvalidOperationException or IOException)
        {
            // The session is over; what was not sent counts on this node only.
        }
    }

    /// <summary>Counts what other nodes refused.</summary>
    public void Learn(InvalidRecipientCounts relayed)
    {
        foreach (var count in relayed.Counts.Take(InvalidRecipientBounds.MaxAddresses))
        {
            if (IPAddress.TryParse(count.Address, out var client) && count.Count > 0)
            {
                counts.AddElsewhere(client, (int)Math.Min(count.Count, InvalidRecipientBounds.MaxPerAddress));
            }
        }
    }
}
