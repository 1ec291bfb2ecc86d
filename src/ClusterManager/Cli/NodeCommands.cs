using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary><c>token create</c>, <c>nodes list</c>, <c>nodes remove</c>.</summary>
internal static class NodeCommands
{
    public static IEnumerable<Command> Build(ConnectionOptions connection)
    {
        yield return Token(connection);
        yield return Nodes(connection);
    }

    private static Command Token(ConnectionOptions connection)
    {
        var ttl = new Option<string>("--ttl") { Description = "How long the token may be used (e.g. 30m, 1h, 2d)", DefaultValueFactory = _ => "1h" };
        var create = new Command("create", "Create a one-time join token; it is the last line printed") { ttl };
        create.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var lifetime = Durations.Parse(result.GetValue(ttl)!);
            var response = await client.SendAsync<TokenResponse>(HttpMethod.Post, "api/v1/tokens",
                new TokenRequest((long)lifetime.TotalSeconds), cancel);
            Console.WriteLine($"Join token, for one node, valid until {response.ExpiresAt.ToUniversalTime():u}:");
            Console.WriteLine(response.Token);
            return 0;
        });
        return new Command("token", "Join tokens") { create };
    }

    private static Command Nodes(ConnectionOptions connection)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var list = new Command("list", "List the nodes with their status") { json };
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var nodes = await client.GetAsync<List<NodeView>>("api/v1/nodes", cancel);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(nodes, AdminApi.Json));
                return 0;
            }

            var rows = nodes.Select(n => new[]
            {
                n.Name, n.Connected ? "connected" : "disconnected", n.AppliedVersion.ToString(CultureInfo.InvariantCulture),
                n.SoftwareVersion.Length > 0 ? n.SoftwareVersion : "?",
                n.LastSeen?.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) ?? "never",
                n.MachineSettings.ToString(CultureInfo.InvariantCulture), n.Address, n.LastError,
            });
            Table.Print(["NAME", "STATUS", "APPLIED", "SOFTWARE", "LAST SEEN", "MACHINE SETTINGS", "ADDRESS", "LAST ERROR"], rows);
            return 0;
        });

        var name = new Argument<string>("NAME") { Description = "Node name" };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var remove = new Command("remove", "Remove a node: deletes its machine-level configuration and revokes its certificate") { name, yes };
        remove.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var node = result.GetValue(name)!;
            var nodes = await client.GetAsync<List<NodeView>>("api/v1/nodes", cancel);
            var settings = nodes.FirstOrDefault(n => n.Name == node)?.MachineSettings ?? 0;
            if (settings > 0)
            {
                Console.Error.WriteLine(
                    $"WARNING: node {node} has {settings} machine-level setting(s). Removing the node deletes them, and they are not restored if it joins again. Install settings at cluster level to keep them.");
                if (!result.GetValue(yes) && !Confirm($"Remove node {node} and delete its machine-level settings? [y/N] "))
                {
                    throw new CliException("not removed: confirm at the prompt or give --yes");
                }
            }

            var removed = await client.SendAsync<RemoveResponse>(HttpMethod.Delete, $"api/v1/nodes/{Uri.EscapeDataString(node)}", null, cancel);
            Console.WriteLine($"Node {node} removed: certificate revoked, {removed.MachineSettingsDeleted} machine-level setting(s) deleted.");
            return 0;
        });

        return new Command("nodes", "Cluster members") { list, remove };
    }

    private static bool Confirm(string question)
    {
        if (Console.IsInputRedirected && Console.In.Peek() < 0)
        {
            return false;
        }

        Console.Error.Write(question);
        var answer = Console.ReadLine()?.Trim();
        return answer is "y" or "Y" or "yes";
    }
}
