using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>A node's effective configuration as the node will merge it: cluster, its group (if any), its machine level.</summary>
internal static class NodeEffective
{
    public static EffectiveConfig For(ConfigurationSet set, string node) =>
        ConfigMerge.Merge(set.Cluster ?? new LevelConfig(), GroupLevel(set, node), set.Machines.GetValueOrDefault(node) ?? new LevelConfig());

    /// <summary>The group <paramref name="node"/> is a member of and its level; null when it is in none.</summary>
    public static (string Name, LevelConfig Level)? GroupLevel(ConfigurationSet set, string node) =>
        set.Groups.FirstOrDefault(g => g.Value.Members.Contains(node)) is { Key: { } name, Value: var group }
            ? (name, group.Config ?? new LevelConfig())
            : null;
}
