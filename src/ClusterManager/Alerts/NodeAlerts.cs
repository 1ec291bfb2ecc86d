using System.Globalization;
using Gatehouse.Cluster.V1;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>
/// The alerts the manager raises about nodes: a refused version, a node away too long, a node
/// that does not apply the committed version. Each key names one occurrence, so it is raised once.
/// </summary>
internal static class NodeAlerts
{
    /// <summary>How long a node may be disconnected, or behind the committed version, before an alert.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static AlertRecord Refused(string node, Nack nack, DateTimeOffset now) => SystemAlert.Create(
        $"nack:{node}:{nack.Version}", now, "Critical",
        $"Node {node} refused configuration version {nack.Version}: " +
        string.Join("; ", nack.Errors.Select(Configuration.Validation.ValidationErrors.Format)));

    /// <summary>Alerts due for the recorded nodes; <paramref name="latest"/> is the committed version.</summary>
    public static IEnumerable<AlertRecord> Due(IEnumerable<NodeRecord> nodes, ConfigVersion latest, DateTimeOffset now)
    {
        foreach (var node in nodes)
        {
            var lastSeen = node.LastSeen?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
            if (!node.Connected && node.LastSeen is not null && now - lastSeen >= Patience)
            {
                yield return SystemAlert.Create($"disconnected:{node.Name}:{lastSeen.ToUnixTimeSeconds()}", now, "Warning",
                    $"Node {node.Name} has been disconnected from the cluster manager since {Format(lastSeen)}");
            }
            else if (node.Connected && node.AppliedVersion < latest.Version && node.LastError.Length == 0
                && now - latest.CommittedAt.ToDateTimeOffset() >= Patience)
            {
                // A refused version has its own alert (and a last error): this is a node that says nothing.
                yield return SystemAlert.Create($"lag:{node.Name}:{latest.Version}", now, "Warning",
                    $"Node {node.Name} runs configuration version {node.AppliedVersion}; version {latest.Version}, committed {Format(latest.CommittedAt.ToDateTimeOffset())}, is not applied");
            }
        }
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
