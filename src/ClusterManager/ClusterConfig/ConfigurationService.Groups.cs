using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>Groups and their members (CL-10), staged like every change.</summary>
internal sealed partial class ConfigurationService
{
    /// <summary>
    /// Creates or deletes a group, or adds or removes a member (staged like every change). A node is
    /// in at most one group; a group with members is not deleted (naming them); deleting an empty
    /// group deletes its level.
    /// </summary>
    public async Task ChangeGroupAsync(string op, string group, string? node, string actor, CancellationToken cancel = default)
    {
        RefuseBadName(group);
        if (node is not null)
        {
            RefuseBadName(node);
            if (await store.GetNodeAsync(node, cancel) is null)
            {
                throw new ChangeRejectedException($"there is no node {node}");
            }
        }

        await StageAsync(pending =>
        {
            var groups = pending.Content.Groups;
            var level = groups.GetValueOrDefault(group);
            switch (op)
            {
                case "create" when level is not null:
                    throw new ChangeRejectedException($"group {group} exists");
                case "create":
                    groups[group] = new GroupLevel { Config = new LevelConfig() };
                    break;
                case "delete" when level is { Members.Count: > 0 }:
                    throw new ChangeRejectedException($"group {group} has members ({string.Join(", ", level.Members)}); remove them first");
                case "add" when node is not null && groups.FirstOrDefault(g => g.Value.Members.Contains(node)) is { Key: { } other }:
                    throw new ChangeRejectedException(other == group ? $"{node} is in group {group} already" : $"{node} is in group {other}; a node is in one group at most: remove it there first");
                case "remove" when level is not null && node is not null && !level.Members.Contains(node):
                    throw new ChangeRejectedException($"{node} is not in group {group}");
                case not "create" when level is null:
                    throw new ChangeRejectedException($"there is no group {group}");
                case "delete":
                    groups.Remove(group);
                    break;
                case "add" when node is not null:
                    level!.Members.Add(node);
                    break;
                case "remove" when node is not null:
                    level!.Members.Remove(node);
                    break;
                default:
                    throw new ChangeRejectedException($"unknown group command '{op}'");
            }
        }, actor, node is null ? $"group {group}: {op}" : $"group {group}: {op} {node}", cancel);
    }
}
