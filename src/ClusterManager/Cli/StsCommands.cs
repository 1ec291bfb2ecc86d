using System.CommandLine;
using System.Globalization;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager sts list</c>: the MTA-STS policies nodes shared with the cluster;
/// <c>sts purge DOMAIN</c>: forget one, so every node fetches it from the policy host again.
/// </summary>
internal static class StsCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var command = new Command("sts", "The MTA-STS policies the nodes share through the manager");
        var list = new Command("list", "Each shared policy: domain, id, mode, MX patterns, the node that shared it and until when it is kept");
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var policies = await client.GetAsync<List<StsPolicyView>>("api/v1/sts-policies", cancel);
            Table.Print(["DOMAIN", "ID", "MODE", "MX", "SHARED BY", "FETCHED", "EXPIRES"], policies.Select(p => new[]
            {
                p.Domain, p.Id, Field(p.PolicyText, "mode"), string.Join(",", Fields(p.PolicyText, "mx")), p.SharedBy,
                Time(p.FetchedAt), Time(p.ExpiresAt),
            }));
            return 0;
        });

        var domain = new Argument<string>("DOMAIN") { Description = "The policy domain" };
        var purge = new Command("purge", "Forget a domain's shared policy: the nodes drop their copies and fetch it from the policy host again") { domain };
        purge.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var purged = await client.SendAsync<StsPurgeView>(HttpMethod.Delete, $"api/v1/sts-policies/{Uri.EscapeDataString(result.GetValue(domain)!)}", null, cancel);
            Console.WriteLine(purged.Removed ? $"Purged the shared policy of {purged.Domain}; the nodes fetch it again." : $"No shared policy of {purged.Domain} was kept; the nodes were told to fetch it again.");
            return 0;
        });
        command.Add(list);
        command.Add(purge);
        return command;
    }

    private static string Field(string text, string key) => Fields(text, key).FirstOrDefault() ?? "";

    private static IEnumerable<string> Fields(string text, string key) =>
        text.Split('\n').Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2 && kv[0].Trim() == key).Select(kv => kv[1].Trim());

    private static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "";
}
