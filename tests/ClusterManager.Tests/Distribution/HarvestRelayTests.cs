using Gatehouse.Cluster.Harvest;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.ClusterManager.Tests.Distribution;

/// <summary>A node's invalid recipient counts reach the other nodes, bounded, and not itself.</summary>
[Trait("Category", "Security")]
public sealed class HarvestRelayTests
{
    [Fact]
    public async Task A_report_goes_to_the_other_nodes_with_its_addresses_checked_and_its_counts_capped()
    {
        var queries = new NodeQueries();
        var toNode1 = new System.Collections.Concurrent.ConcurrentQueue<ManagerMessage>();
        var toNode2 = new System.Collections.Concurrent.ConcurrentQueue<ManagerMessage>();
        using var node1 = queries.Attach("node1", FakeNodeStream.Outbox("node1", toNode1.Enqueue));
        using var node2 = queries.Attach("node2", FakeNodeStream.Outbox("node2", toNode2.Enqueue));
        using var relay = new HarvestRelay(queries, TimeProvider.System, NullLogger<HarvestRelay>.Instance);

        var report = new InvalidRecipientCounts
        {
            Counts =
            {
                new InvalidRecipientCount { Address = "192.0.2.7", Count = 3 },
                new InvalidRecipientCount { Address = "::FFFF:192.0.2.9", Count = uint.MaxValue },
                new InvalidRecipientCount { Address = "192.0.2.7\r\nX-Forged: 1", Count = 1 },
                new InvalidRecipientCount { Address = "not an address", Count = 1 },
                new InvalidRecipientCount { Address = "192.0.2.10", Count = 0 },
            },
        };
        await relay.ReportedAsync("node1", report);

        await Delivered(toNode2, 1);
        Assert.Equal(
            [("192.0.2.7", 3u), ("::ffff:192.0.2.9", InvalidRecipientBounds.MaxPerAddress)],
            toNode2.First().InvalidRecipients.Counts.Select(c => (c.Address, c.Count)));
        Assert.Empty(toNode1);
    }

    [Fact]
    public async Task A_node_reporting_faster_than_an_honest_one_does_is_not_passed_on_and_its_reports_are_cut_to_the_bound()
    {
        var queries = new NodeQueries();
        var toNode2 = new System.Collections.Concurrent.ConcurrentQueue<ManagerMessage>();
        using var node2 = queries.Attach("node2", FakeNodeStream.Outbox("node2", toNode2.Enqueue));
        using var relay = new HarvestRelay(queries, TimeProvider.System, NullLogger<HarvestRelay>.Instance);
        var flood = new InvalidRecipientCounts();
        flood.Counts.AddRange(Enumerable.Range(0, 3 * InvalidRecipientBounds.MaxAddresses).Select(i => new InvalidRecipientCount { Address = $"10.0.{i / 256}.{i % 256}", Count = 1 }));

        for (var i = 0; i < 30; i++)
        {
            await relay.ReportedAsync("node1", flood);
        }

        await Delivered(toNode2, 10);
        await Task.Delay(200);
        Assert.InRange(toNode2.Count, 10, 14);
        Assert.All(toNode2, m => Assert.Equal(InvalidRecipientBounds.MaxAddresses, m.InvalidRecipients.Counts.Count));
    }

    // The outbox writes on its own task.
    private static async Task Delivered(System.Collections.Concurrent.ConcurrentQueue<ManagerMessage> written, int count)
    {
        for (var i = 0; i < 250 && written.Count < count; i++)
        {
            await Task.Delay(20);
        }
    }
}
