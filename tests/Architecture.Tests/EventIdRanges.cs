namespace Gatehouse.Architecture.Tests;

/// <summary>A range of log event ids that one top-level folder of a project uses.</summary>
internal sealed record EventIdRange(int From, int To, string Folder, string Holds);

/// <summary>
/// Every range of <c>[LoggerMessage]</c> event ids, per project: the one place they are written.
/// A new log message takes the next free id in its folder's range; a folder without a range gets
/// one here. <see cref="EventIdTests"/> holds the code to it.
/// </summary>
internal static class EventIdRanges
{
    public static IReadOnlyList<EventIdRange> Of(string project) => project switch
    {
        "Jobs" => [new(1, 99, FolderGraph.Root, "periodic jobs")],
        "ClusterManager" =>
        [
            new(1, 99, "Hosting", "the manager's start"),
            new(100, 199, "Nodes", "node streams and node status"),
            new(400, 409, "Certificates", "certificate expiry"),
            new(410, 439, "Alerts", "node watch, alert mailing, store watch"),
            new(440, 449, "Reports", "the cluster's daily TLS and DMARC reports"),
            new(450, 469, "Distribution", "shared MTA-STS policies, node outboxes"),
            new(700, 799, "Hosting", "the manager's own certificates"),
        ],
        "Node" =>
        [
            new(100, 399, "Logging", "the mail log's lines (MailLogLine), a contract with log parsers: 1xx inbound, 2xx delivery, 3xx the node"),
            new(1000, 1099, "Hosting", "the node's start, memory trim, control socket"),
            new(1100, 1199, "Applying", "applying snapshots"),
            new(1200, 1299, "Sync", "the stream to the manager"),
            new(1300, 1399, "Smtp", "listeners"),
            new(1400, 1499, "Delivery", "the delivery queue"),
            new(1500, 1599, "Tracking", "message tracking"),
            new(1600, 1699, "Alerts", "queue alerts"),
            new(1700, 1799, "Web", "the node's web interface"),
            new(1800, 1899, "Logging", "syslog shipping"),
        ],
        _ => [],
    };
}
