using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Alerts;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Tests.Alerts;

/// <summary>The manager's alerts about nodes: away too long, behind the committed version, refusing one.</summary>
public sealed class NodeAlertsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(false, 11, 5, 5, 60, "disconnected:node1:", "Node node1 has been disconnected from the cluster manager since 2026-12-02 11:49:00 UTC")]
    [InlineData(false, 9, 5, 5, 60, null, null)]
    [InlineData(true, 0, 4, 5, 11, "lag:node1:5", "Node node1 runs configuration version 4; version 5, committed 2026-12-02 11:49:00 UTC, is not applied")]
    [InlineData(true, 0, 4, 5, 9, null, null)]
    [InlineData(true, 0, 5, 5, 60, null, null)]
    public void A_node_is_reported_once_it_has_been_away_or_behind_for_ten_minutes(
        bool connected, int minutesSinceSeen, long applied, long latest, int minutesSinceCommit, string? keyStart, string? message)
    {
        var node = new NodeRecord
        {
            Name = "node1",
            Connected = connected,
            LastSeen = Timestamp.FromDateTimeOffset(Now.AddMinutes(-minutesSinceSeen)),
            AppliedVersion = applied,
        };
        var version = new ConfigVersion { Version = latest, CommittedAt = Timestamp.FromDateTimeOffset(Now.AddMinutes(-minutesSinceCommit)) };

        var alerts = NodeAlerts.Due([node], version, Now).ToList();

        if (keyStart is null)
        {
            Assert.Empty(alerts);
            return;
        }

        var alert = Assert.Single(alerts);
        Assert.StartsWith(keyStart, alert.Key, StringComparison.Ordinal);
        Assert.Equal(("Warning", "System", message), (alert.Severity, alert.Class, alert.Message));
    }

    [Fact]
    public void A_node_that_refused_the_version_is_not_also_reported_as_behind()
    {
        var node = new NodeRecord { Name = "node1", Connected = true, AppliedVersion = 4, LastError = "version 5 refused: …", LastSeen = Timestamp.FromDateTimeOffset(Now) };
        var version = new ConfigVersion { Version = 5, CommittedAt = Timestamp.FromDateTimeOffset(Now.AddHours(-1)) };
        Assert.Empty(NodeAlerts.Due([node], version, Now));

        var refused = NodeAlerts.Refused("node1", new Nack { Version = 5, Errors = { new ValidationError { Path = "ip_interfaces[X].address", Message = "192.0.2.10 is not an address of this host" } } }, Now);
        Assert.Equal(("nack:node1:5", "Critical"), (refused.Key, refused.Severity));
        Assert.Contains("Node node1 refused configuration version 5: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains("192.0.2.10 is not an address of this host", refused.Message, StringComparison.Ordinal);
    }
}
