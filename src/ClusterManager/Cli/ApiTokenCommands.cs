using System.CommandLine;
using System.Globalization;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>tokens create NAME --role admin|operator|read-only</c>, <c>tokens list</c>, <c>tokens revoke NAME</c>:
/// admin API tokens, one per person or tool (join tokens are <c>token create</c>).
/// </summary>
internal static class ApiTokenCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var name = new Argument<string>("NAME") { Description = "Who or what uses it: 1-63 letters, digits, '-' or '_'" };
        var role = new Option<string>("--role")
        {
            Description = "read-only (configuration, status, tracking, history, audit), operator (adds staging, commits and queue control) or admin (adds keys, certificates, nodes and tokens)",
            Required = true,
        };
        role.AcceptOnlyFromAmong("read-only", "operator", "admin");
        var create = new Command("create", "Create a named admin API token; it is shown once, as the last line printed") { name, role };
        create.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var created = await client.SendAsync<ApiTokenCreated>(HttpMethod.Post, "api/v1/api-tokens", new ApiTokenRequest(result.GetValue(name), result.GetValue(role)), cancel);
            Console.WriteLine($"API token {created.Name} ({created.Role}); keep it now, it is not shown again:");
            Console.WriteLine(created.Token);
            return 0;
        });

        var list = new Command("list", "The named API tokens: name, role, who made each and when (never the tokens)");
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var tokens = await client.GetAsync<List<ApiTokenView>>("api/v1/api-tokens", cancel);
            Table.Print(["NAME", "ROLE", "CREATED BY", "CREATED"], tokens.Select(t => new[]
            {
                t.Name, t.Role, t.CreatedBy, t.CreatedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "",
            }));
            return 0;
        });

        var revoke = new Command("revoke", "Revoke a named API token at once, on every replica") { name };
        revoke.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await client.SendAsync<ApiTokenView>(HttpMethod.Delete, $"api/v1/api-tokens/{Uri.EscapeDataString(result.GetValue(name)!)}", null, cancel);
            Console.WriteLine($"API token {result.GetValue(name)} revoked.");
            return 0;
        });

        return new Command("tokens", "Named admin API tokens with roles") { create, list, revoke };
    }
}
