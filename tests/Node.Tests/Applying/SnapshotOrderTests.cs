using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Tests.Applying;

public sealed class SnapshotOrderTests : IDisposable
{
    private readonly NodeFixture node = new();

    [Fact]
    public void A_version_older_than_the_running_one_is_refused_and_the_running_one_stays()
    {
        Assert.Empty(node.Apply(5, new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "five@example.com" } }));

        var refused = node.Apply(4, new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "four@example.com" } });

        Assert.Equal("version 4 is older than version 5, which this node runs", Assert.Single(refused).Message);
        Assert.Equal(5, node.Current.Version);
        Assert.Empty(node.Apply(5, new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "five@example.com" } }));
    }

    [Fact]
    public void A_newer_version_that_changes_nothing_here_is_taken_without_applying_it_again()
    {
        var same = new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "same@example.com" } };
        Assert.Empty(node.Apply(1, same));
        var first = node.Current.Snapshot!;

        Assert.Empty(node.Apply(2, same.Clone()));

        Assert.Equal(2, node.Current.Version);
        Assert.Same(first.Effective, node.Current.Snapshot!.Effective);
        Assert.Empty(node.Apply(3, new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "new@example.com" } }));
        Assert.NotSame(first.Effective, node.Current.Snapshot!.Effective);
        Assert.Equal("new@example.com", node.Current.Snapshot.Effective.Config.AlertSettings.FromAddress);
    }

    [Fact]
    public void A_node_in_a_group_merges_cluster_then_group_then_machine()
    {
        var snapshot = new Snapshot
        {
            Version = 1,
            Nonce = "n1",
            Cluster = new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "cluster@example.com" } },
            GroupName = "DC1",
            Group = new LevelConfig { AlertSettings = new AlertSettings { FromAddress = "dc1@example.com" }, Hostname = "" },
            Machine = new LevelConfig { Hostname = "mx1.example.com" },
        };

        Assert.Empty(node.Applier.Apply(snapshot));

        var effective = node.Current.Snapshot!.Effective;
        Assert.Equal(("dc1@example.com", "mx1.example.com"), (effective.Config.AlertSettings.FromAddress, effective.Config.Hostname));
        Assert.Equal("group DC1", effective.LevelName("alert_settings"));

        // The group level has the shape rules of a shared level: no machine-only setting in it.
        var refused = node.Applier.Apply(new Snapshot(snapshot) { Version = 2, Group = new LevelConfig { Hostname = "shared.example.com" } });
        Assert.Contains(refused, e => e.Path == "hostname" && e.Message.Contains("machine-level setting", StringComparison.Ordinal));
    }

    public void Dispose() => node.Dispose();
}
