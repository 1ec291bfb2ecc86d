using System.Security.Cryptography;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Tests.Distribution;

public sealed class SnapshotBuilderTests
{
    private readonly SecretBox secrets = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void The_cluster_level_is_opened_once_per_version_and_shared_by_every_node()
    {
        var builder = new SnapshotBuilder(secrets);
        var one = Version(1, "key one");
        var two = Version(2, "key two");

        var a = builder.Build(one, "a");
        var b = builder.Build(one, "b");
        var later = builder.Build(two, "a");

        Assert.Same(a.Cluster, b.Cluster);
        Assert.Equal("key one", a.Cluster.Certificates[0].PrivateKeyPem);
        Assert.Empty(a.Cluster.Certificates[0].PendingPrivateKeyPem);
        Assert.NotSame(a.Cluster, later.Cluster);
        Assert.Equal("key two", later.Cluster.Certificates[0].PrivateKeyPem);
        Assert.NotEqual(a.Nonce, b.Nonce);
    }

    private ConfigVersion Version(long number, string key) => new()
    {
        Version = number,
        Content = secrets.Seal(new ConfigurationSet
        {
            Cluster = new LevelConfig { Certificates = { new Certificate { Name = "web", PrivateKeyPem = key, PendingPrivateKeyPem = "pending" } } },
        }),
    };
}
