using System.Collections;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>Counts what a machine level holds, for the warning before a node is removed.</summary>
internal static class MachineSettings
{
    public static int Count(LevelConfig? level) =>
        level is null ? 0 : EntityFields.LevelFields.Sum(field => field.Accessor.GetValue(level) switch
        {
            IList list => list.Count,
            string text => text.Length > 0 ? 1 : 0,
            null => 0,
            _ => 1,
        });
}
