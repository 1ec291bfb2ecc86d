using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Nodes;

namespace Gatehouse.ClusterManager.Tests.Nodes;

/// <summary>A manager serves nodes of its own release and the one before; the rest are told what to upgrade.</summary>
public sealed class SkewPolicyTests
{
    [Theory]
    [InlineData("0.3.0+1a2b3c4", true, "0.3.0+9f8e7d6", null)]
    [InlineData("0.3.7", true, "0.3.0", null)]
    [InlineData("0.2.9", true, "0.3.0", null)]
    [InlineData("1.0.0.0", false, "0.3.0", null)]
    [InlineData("1.0.0.0", false, "0.4.1", "node software a build before 0.3.0 is more than one release behind this manager's release 0.4: upgrade the node")]
    [InlineData("0.1.0", true, "0.3.0", "node software 0.1.0 is more than one release behind this manager's release 0.3: upgrade the node")]
    [InlineData("0.4.0+abc", true, "0.3.2", "node software 0.4.0+abc is newer than this manager's release 0.3: upgrade the managers first")]
    [InlineData("1.0.0", true, "0.9.0", "node software 1.0.0 is newer than this manager's release 0.9: upgrade the managers first")]
    [InlineData("0.9.0", true, "1.0.0", "node software 0.9.0 is more than one release behind this manager's release 1.0: upgrade the node")]
    [InlineData("simulated", true, "0.3.0", null)]
    public void A_node_build_is_served_within_one_release_behind_the_manager(string node, bool namesSettings, string manager, string? refusal)
    {
        var hello = new Hello { SoftwareVersion = node };
        if (namesSettings)
        {
            hello.KnownSettings.Add("gatehouse.cluster.v1.LevelConfig.hostname");
        }

        Assert.Equal(refusal, SkewPolicy.Refusal(hello, manager));
    }

    [Fact]
    public void This_build_serves_nodes_of_its_own_release()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+", SkewPolicy.ManagerVersion);
        Assert.Null(SkewPolicy.Refusal(new Hello { SoftwareVersion = SkewPolicy.ManagerVersion, KnownSettings = { "x" } }));
    }
}
