using Gatehouse.Cluster.V1;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Metrics;

/// <summary>The node's answer to the manager's status question: the last hour's mail and TLS, and the queue.</summary>
internal sealed class NodeActivityReport(NodeMetrics metrics, QueueCensus census, TimeProvider time)
{
    public NodeActivity Now()
    {
        var totals = metrics.LastHour.Totals();
        var queue = census.Count();
        return new NodeActivity
        {
            Accepted = totals[Activity.Accepted],
            Delivered = totals[Activity.Delivered],
            Deferred = totals[Activity.Deferred],
            Bounced = totals[Activity.Bounced],
            TlsInboundSucceeded = totals[Activity.TlsInboundSucceeded],
            TlsInboundFailed = totals[Activity.TlsInboundFailed],
            TlsOutboundSucceeded = totals[Activity.TlsOutboundSucceeded],
            TlsOutboundFailed = totals[Activity.TlsOutboundFailed],
            QueueMessages = queue.Messages,
            QueueRecipients = queue.Recipients,
            OldestMessageSeconds = queue.Oldest is { } at ? Math.Max(0, (long)(time.GetUtcNow() - at).TotalSeconds) : 0,
        };
    }
}
