using System.CommandLine;
using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager groups create NAME | delete NAME | list [--json] | add NAME NODE | remove NAME NODE</c>:
/// the appliance's third configuration level. Each change is staged until commit.
/// </summary>
internal static class GroupCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var groups = new Command("groups", "Groups of machines that share a configuration level between cluster and machine");
        var name = new Argument<string>("NAME") { Description = "The group" };
        var node = new Argument<string>("NODE") { Description = "A node of the cluster" };
        groups.Add(Change(connection, "create", "Create an empty group (staged)", name));
        groups.Add(Change(connection, "delete", "Delete an empty group and its level (staged; refused while it has members)", name));
        groups.Add(Change(connection, "add", "Make NODE a member of the group (staged; a node is in one group at most)", name, node));
        groups.Add(Change(connection, "remove", "Take NODE out of the group (staged; the group's settings stay)", name, node));

        var json = new Option<bool>("--json") { Description = "JSON, for scripts" };
        var pending = new Option<bool>("--pending") { Description = "The staged groups, not the committed ones" };
        var list = new Command("list", "The groups, their members and how many settings each level holds") { json, pending };
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var set = ProtoJson.Parse<ConfigurationSet>(await client.GetTextAsync($"api/v1/config/groups?pending={(result.GetValue(pending) ? "true" : "false")}", cancel));
            var rows = set.Groups.OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new GroupView(g.Key, [.. g.Value.Members.Order(StringComparer.Ordinal)], ClusterConfig.MachineSettings.Count(g.Value.Config ?? new LevelConfig()))).ToList();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, AdminApi.Json));
                return 0;
            }

            Table.Print(["GROUP", "MEMBERS", "SETTINGS"], [.. rows.Select(r => new[] { r.Name, r.Members.Count == 0 ? "-" : string.Join(", ", r.Members), r.Settings.ToString(System.Globalization.CultureInfo.InvariantCulture) })]);
            return 0;
        });
        groups.Add(list);
        return groups;
    }

    private static Command Change(ConnectionOptions connection, string op, string description, Argument<string> name, Argument<string>? node = null)
    {
        var command = new Command(op, description) { name };
        if (node is not null)
        {
            command.Add(node);
        }

        var yes = new Option<bool>("--yes") { Description = "Do not ask" };
        if (op == "delete")
        {
            command.Add(yes);
        }

        command.SetAction(async (result, cancel) =>
        {
            var group = result.GetValue(name)!;
            if (op == "delete" && !result.GetValue(yes))
            {
                Console.Write($"Deleting group {group} deletes its settings with it. Continue? [y/N] ");
                if (!string.Equals(Console.ReadLine()?.Trim(), "y", StringComparison.OrdinalIgnoreCase))
                {
                    Console.WriteLine("Nothing changed.");
                    return 1;
                }
            }

            using var client = connection.Connect(result);
            await client.SendAsync<object>(HttpMethod.Post, "api/v1/groups", new GroupRequest(op, group, node is null ? null : result.GetValue(node)), cancel);
            Console.WriteLine($"Staged: group {group} {op}{(node is null ? "" : $" {result.GetValue(node)}")}. Review with showchanges; apply with commit.");
            return 0;
        });
        return command;
    }
}
