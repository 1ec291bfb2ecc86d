using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>Cuts one node's snapshot out of a version: cluster level plus that node's machine level.</summary>
internal sealed class SnapshotBuilder(SecretBox secrets)
{
    public Snapshot Build(ConfigVersion version, string node) => new()
    {
        Version = version.Version,
        Nonce = Guid.NewGuid().ToString("N"),
        CommittedAt = version.CommittedAt,
        Cluster = secrets.Open(version.Content.Cluster ?? new LevelConfig()),
        Machine = secrets.Open(version.Content.Machines.GetValueOrDefault(node) ?? new LevelConfig()),
    };
}
