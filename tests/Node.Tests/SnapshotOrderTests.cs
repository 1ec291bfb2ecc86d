using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Tests;

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

    public void Dispose() => node.Dispose();
}
