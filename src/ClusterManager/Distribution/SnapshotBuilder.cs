using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Cuts one node's snapshot out of a version: cluster level plus that node's machine level.
/// A renewal's new key and request stay on the manager: no node uses them before the signed
/// certificate arrives, so no node holds them.
/// </summary>
internal sealed class SnapshotBuilder(SecretBox secrets)
{
    public Snapshot Build(ConfigVersion version, string node) => new()
    {
        Version = version.Version,
        Nonce = Guid.NewGuid().ToString("N"),
        CommittedAt = version.CommittedAt,
        Cluster = ForNodes(secrets.Open(version.Content.Cluster ?? new LevelConfig(), machine: null)),
        Machine = ForNodes(secrets.Open(version.Content.Machines.GetValueOrDefault(node) ?? new LevelConfig(), node)),
    };

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
