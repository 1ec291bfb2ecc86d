using Gatehouse.Cluster.V1;
using Gatehouse.Configuration;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>One level of the configuration: the cluster's, a group's or a machine's (CL-1, CL-10).</summary>
internal sealed record LevelTarget(ConfigLevel Kind, string? Name)
{
    public static LevelTarget Cluster { get; } = new(ConfigLevel.Cluster, null);

    /// <summary>The cluster level, or the named machine's or group's; naming both is refused.</summary>
    public static LevelTarget Of(string? machine, string? group = null) =>
        (machine, group) switch
        {
            (null, null) => Cluster,
            (not null, null) => new(ConfigLevel.Machine, machine),
            (null, not null) => new(ConfigLevel.Group, group),
            _ => throw new ChangeRejectedException("name a machine or a group, not both"),
        };

    /// <summary>Where the level's secrets are bound when encrypted at rest (the path of the level in the whole set).</summary>
    public string SecretPath => Kind switch
    {
        ConfigLevel.Machine => $"machines[{Name}]",
        ConfigLevel.Group => $"groups[{Name}].config",
        _ => "cluster",
    };

    public LevelConfig Read(ConfigurationSet set) => Kind switch
    {
        ConfigLevel.Machine => set.Machines.GetValueOrDefault(Name!),
        ConfigLevel.Group => set.Groups.GetValueOrDefault(Name!)?.Config,
        _ => set.Cluster,
    } ?? new LevelConfig();

    public void Write(ConfigurationSet set, LevelConfig level)
    {
        switch (Kind)
        {
            case ConfigLevel.Machine:
                set.Machines[Name!] = level;
                break;
            case ConfigLevel.Group:
                (set.Groups.GetValueOrDefault(Name!) ?? throw new ChangeRejectedException($"there is no group {Name}; create it with: groups create {Name}")).Config = level;
                break;
            default:
                set.Cluster = level;
                break;
        }
    }

    public override string ToString() => Kind switch
    {
        ConfigLevel.Machine => $"machine {Name}",
        ConfigLevel.Group => $"group {Name}",
        _ => "cluster",
    };
}
