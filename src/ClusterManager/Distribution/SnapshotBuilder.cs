using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Cuts one node's snapshot out of a version: cluster level, its group's level and its machine level.
/// The cluster level is decrypted once per version and shared by every node's snapshot (it is
/// never changed after this), so a commit costs one decryption of it, not one per node. A
/// renewal's new key and request stay on the manager: no node uses them before the signed
/// certificate arrives, so no node holds them.
/// </summary>
internal sealed class SnapshotBuilder(SecretBox secrets)
{
    private readonly Lock gate = new();
    private (long Version, LevelConfig Level)? cluster;

    public Snapshot Build(ConfigVersion version, string node)
    {
        var snapshot = new Snapshot
        {
            Version = version.Version,
            Nonce = Guid.NewGuid().ToString("N"),
            CommittedAt = version.CommittedAt,
            Cluster = ClusterLevel(version),
            Machine = ForNodes(secrets.Open(version.Content.Machines.GetValueOrDefault(node) ?? new LevelConfig(), node)),
        };
        if (ClusterConfig.ConfigurationService.GroupOf(version.Content, node) is { } group)
        {
            var target = ClusterConfig.LevelTarget.Of(null, group);
            snapshot.GroupName = group;
            snapshot.Group = ForNodes(secrets.OpenAt(target.Read(version.Content), target.SecretPath));
        }

        return snapshot;
    }

    private LevelConfig ClusterLevel(ConfigVersion version)
    {
        lock (gate)
        {
            if (cluster is { } held && held.Version == version.Version)
            {
                return held.Level;
            }
        }

        var level = ForNodes(secrets.Open(version.Content.Cluster ?? new LevelConfig(), machine: null));
        lock (gate)
        {
            if (cluster is not { } newer || newer.Version < version.Version)
            {
                cluster = (version.Version, level);
            }
        }

        return level;
    }

    private static LevelConfig ForNodes(LevelConfig level)
    {
        foreach (var certificate in level.Certificates)
        {
            certificate.PendingPrivateKeyPem = "";
            certificate.PendingCsrPem = "";
        }

        return level;
    }
}
