using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Alerts;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// The cluster at a glance (the appliance's System Status): every node's connection, version and
/// last error, its mail and TLS over the last hour and its queue (asked of each connected node,
/// in parallel; one that does not answer is shown as such), certificates expiring soon, open alerts.
/// </summary>
internal sealed class ClusterStatus(IManagerStore store, NodeQueries queries, ManagerAlerts alerts, TimeProvider time)
{
    /// <summary>Certificates with this many days left or fewer are listed.</summary>
    public const int ExpiringWithinDays = 30;

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    public async Task<ClusterStatusView> GetAsync(CancellationToken cancel)
    {
        var latest = await store.GetLatestAsync(cancel);
        var nodes = await store.ListNodesAsync(cancel);
        var views = await Task.WhenAll(nodes.OrderBy(n => n.Name, StringComparer.Ordinal).Select(async node =>
        {
            var (activity, problem) = node.Connected ? await AskAsync(node.Name, cancel) : (null, "disconnected");
            return new NodeStatusView(node.Name, node.Connected, node.AppliedVersion, node.LastSeen?.ToDateTimeOffset(), node.LastError, activity, problem);
        }));
        var expiring = CertificateInventory.List(latest.Content, time)
            .Where(c => c.DaysLeft <= ExpiringWithinDays)
            .OrderBy(c => c.DaysLeft)
            .Select(c => new ExpiringCertificateView(c.Name, c.Level, c.NotAfter, c.DaysLeft)).ToList();
        var open = (await alerts.ListAsync(500, cancel)).Where(a => a.AcknowledgedBy is null).ToList();
        return new ClusterStatusView(latest.Version, [.. views], expiring, open);
    }

    private async Task<(NodeActivityView?, string?)> AskAsync(string node, CancellationToken cancel)
    {
        try
        {
            var answer = await queries.AskAsync(node, new NodeQuery { Activity = new ActivityQuestion() }, AnswerTimeout, cancel);
            return answer.Error.Length > 0 ? (null, answer.Error) : (View(answer.Activity), null);
        }
        catch (NodeUnreachableException e)
        {
            return (null, e.Message);
        }
    }

    private static NodeActivityView View(NodeActivity a) => new(
        a.Accepted, a.Delivered, a.Deferred, a.Bounced,
        a.TlsInboundSucceeded + a.TlsInboundFailed, Rate(a.TlsInboundSucceeded, a.TlsInboundFailed),
        a.TlsOutboundSucceeded + a.TlsOutboundFailed, Rate(a.TlsOutboundSucceeded, a.TlsOutboundFailed),
        a.QueueMessages, a.QueueRecipients, a.OldestMessageSeconds);

    private static double? Rate(long succeeded, long failed) =>
        succeeded + failed == 0 ? null : Math.Round(100.0 * succeeded / (succeeded + failed), 1);
}
