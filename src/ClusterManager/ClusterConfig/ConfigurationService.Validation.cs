using Gatehouse.Cluster;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>Commit validation: every node's effective configuration, with its group, each error where to fix it.</summary>
internal sealed partial class ConfigurationService
{
    public async Task<(IReadOnlyList<CommitError> Errors, IReadOnlyList<CommitError> Warnings)> ValidateAsync(
        ConfigurationSet content, CancellationToken cancel = default)
    {
        var open = secrets.Open(content);
        var registered = await store.ListNodesAsync(cancel);
        var targets = registered.Select(n => n.Name)
            .Union(open.Machines.Keys).Order(StringComparer.Ordinal).ToList();
        var errors = new List<CommitError>();
        var warnings = new List<CommitError>();
        foreach (var (name, group) in open.Groups)
        {
            // A member that is not a node (any more) would be a node nobody can remove from it.
            errors.AddRange(group.Members.Where(m => !targets.Contains(m, StringComparer.Ordinal))
                .Select(m => new CommitError($"group {name}", "members", $"{m} is not a node of this cluster")));
            errors.AddRange(group.Members.Where(m => open.Groups.Any(g => g.Key != name && g.Value.Members.Contains(m)))
                .Select(m => new CommitError($"group {name}", "members", $"{m} is in more than one group")));
            // Certificates (keys, renewals, expiry alerts, exports) are managed at cluster and machine level.
            if (group.Config?.Certificates.Count > 0)
            {
                errors.Add(new CommitError($"group {name}", "certificates", "keep certificates at cluster or machine level; a group's settings use them by name"));
            }

            // Its own level's shape is checked even while it has no member.
            foreach (var e in LevelShapeCheck(group.Config ?? new LevelConfig()))
            {
                errors.Add(new CommitError($"group {name}", e.Path, e.Message));
            }
        }

        // Nodes with the same group and machine levels have the same effective configuration: each
        // distinct one is validated once, the distinct ones in parallel; every node still gets its report.
        var cluster = open.Cluster ?? new LevelConfig();
        var nodes = (targets.Count == 0 ? [ClusterTarget] : targets)
            .Select(target => (Target: target, Levels: new NodeLevels(GroupOf(open, target), open.Machines.GetValueOrDefault(target) ?? new LevelConfig()))).ToList();
        var reports = nodes.Select(n => n.Levels).Distinct()
            .AsParallel().Select(levels => (Levels: levels, Report: ConfigValidator.Standard.Check(cluster, levels.Group is { } g ? (g, open.Groups[g].Config ?? new LevelConfig()) : null, levels.Machine),
                Effective: ConfigMerge.Merge(cluster, levels.Group is { } n ? (n, open.Groups[n].Config ?? new LevelConfig()) : null, levels.Machine)))
            .ToDictionary(r => r.Levels, r => (r.Report, r.Effective));
        var clusterBytes = (long)cluster.CalculateSize();
        foreach (var (target, levels) in nodes)
        {
            var (report, effective) = reports[levels];
            errors.AddRange(report.All.Select(e => new CommitError(target, Located(effective, e.Path), e.Message)));
            warnings.AddRange(report.Warnings.Select(e => new CommitError(target, Located(effective, e.Path), e.Message)));
            if (clusterBytes + LevelBytes(levels.Group is { } g ? open.Groups[g].Config : null) + LevelBytes(levels.Machine) is var bytes and > SnapshotBudget)
            {
                errors.Add(new CommitError(target, "snapshot",
                    $"the configuration this node would receive is {bytes / (1024 * 1024)} MB, more than the {StreamLimits.ManagerToNode / (1024 * 1024)} MB one snapshot may be"));
            }
        }

        errors.AddRange(registered.SelectMany(node => UnknownTo(node, open, cluster)));
        return (errors, warnings);
    }

    // Settings a node's build does not know, in the levels it would receive: it would drop them
    // (and its own check refuses the snapshot), so the commit is refused first, naming them.
    private static IEnumerable<CommitError> UnknownTo(Manager.V1.NodeRecord node, ConfigurationSet open, LevelConfig cluster)
    {
        // A build before 0.3.0 does not say what it knows: it knows what release 0.2.0 knew.
        IReadOnlySet<string> known = node.KnownSettings.Count == 0 ? Configuration.Schema.Release020.KnownSettings : node.KnownSettings.ToHashSet(StringComparer.Ordinal);
        var group = GroupOf(open, node.Name);
        var levels = new (string Level, LevelConfig? Config)[]
        {
            ("cluster", cluster), ($"group {group}", group is null ? null : open.Groups[group].Config), ($"machine {node.Name}", open.Machines.GetValueOrDefault(node.Name)),
        };
        return levels.Where(l => l.Config is not null)
            .SelectMany(l => Configuration.Schema.SettingNames.SetIn(l.Config!).Where(s => !known.Contains(s.Name)).Select(s => (l.Level, s.Path, s.Name)))
            .DistinctBy(s => s.Name).Take(10)
            .Select(s => new CommitError(node.Name, $"{s.Level}: {s.Path}",
                $"node {node.Name} runs gatehouse-node {Software(node)}, which does not know this setting ({s.Name}); upgrade the node first, or leave it unset"));
    }

    // Builds before 0.3.0 report their assembly version (1.0.0.0), which says nothing of the release.
    private static string Software(Manager.V1.NodeRecord node) =>
        node.KnownSettings.Count == 0 ? "0.2 (a build before 0.3.0)" : node.SoftwareVersion.Length > 0 ? node.SoftwareVersion : "?";

    // What a snapshot holds besides its levels (version, nonce, group name, times) stays well inside this.
    private const long SnapshotBudget = StreamLimits.ManagerToNode - (64 * 1024);

    // A level as a node receives it: secrets in clear, as they are here.
    private static long LevelBytes(LevelConfig? level) => level?.CalculateSize() ?? 0;

    /// <summary>The group <paramref name="node"/> is a member of, if any.</summary>
    public static string? GroupOf(ConfigurationSet set, string node) => NodeEffective.GroupLevel(set, node)?.Name;

    // An error in a setting the node takes from its group names the group, which is where to fix it.
    private static string Located(EffectiveConfig effective, string path)
    {
        var entity = path.IndexOf(']', StringComparison.Ordinal) is > 0 and var end ? path[..(end + 1)] : path.Split('.')[0];
        return effective.SourceOf(entity) == Configuration.ConfigLevel.Group ? $"group {effective.Group}: {path}" : path;
    }

    private sealed record NodeLevels(string? Group, LevelConfig Machine);

    private static IReadOnlyList<ValidationError> LevelShapeCheck(LevelConfig level)
    {
        var errors = new ValidationErrors();
        LevelShapeRule.Check(level, Configuration.ConfigLevel.Group, errors);
        return errors.All;
    }
}
