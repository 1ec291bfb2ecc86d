using System.CommandLine;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>tlsverify DOMAIN [--machine NODE]</c>, the appliance's command: the node itself tries
/// the domain as delivery would and the CLI prints what it found, with the mail log's lines.
/// </summary>
internal static class TlsVerifyCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var domain = new Argument<string>("DOMAIN") { Description = "Recipient domain" };
        var machine = new Option<string>("--machine") { Description = "Node that tries (default: the only connected node)" };
        var json = new Option<bool>("--json") { Description = "Print the node's report as JSON" };
        var explain = new Option<bool>("--explain") { Description = "Also print each TLS policy source found (REQUIRETLS, DANE, MTA-STS, destination control), which decides and why" };
        var command = new Command("tlsverify", "What a node would do for mail to DOMAIN now: destination control, next hops, TLS and certificate checks")
        {
            domain, machine, json, explain,
        };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var node = result.GetValue(machine) ?? await OnlyConnectedNodeAsync(client, cancel);
            var text = await client.PostTextAsync($"api/v1/nodes/{Uri.EscapeDataString(node)}/tlsverify", new TlsVerifyRequest(result.GetValue(domain)!), cancel);
            var report = Cluster.V1.TlsVerifyReport.Parser.ParseJson(text);
            if (result.GetValue(json))
            {
                Console.WriteLine(text);
                return report.WouldDeliver ? 0 : 2;
            }

            Console.WriteLine($"Node {node}, domain {report.Domain}");
            Console.WriteLine($"Destination control: {report.DestinationControl} (TLS {report.TlsMode})");
            Console.WriteLine($"Next hops: {(report.NextHops.Count == 0 ? "(none)" : string.Join(", ", report.NextHops))}");
            if (result.GetValue(explain))
            {
                Console.WriteLine("Policy sources, in order of precedence:");
                foreach (var source in report.PolicySources)
                {
                    Console.WriteLine($"  {source}");
                }

                Console.WriteLine($"Decided by: {report.DecidedBy}");
                Console.WriteLine($"Next delivery requires: {report.NextDeliveryRequires}");
            }

            foreach (var line in report.Transcript)
            {
                Console.WriteLine($"  {line}");
            }

            Console.WriteLine($"Result: {report.Verdict}");
            return report.WouldDeliver ? 0 : 2;
        });
        return command;
    }

    private static async Task<string> OnlyConnectedNodeAsync(AdminClient client, CancellationToken cancel)
    {
        var connected = (await client.GetAsync<List<NodeView>>("api/v1/nodes", cancel)).Where(n => n.Connected).ToList();
        return connected.Count == 1
            ? connected[0].Name
            : throw new CliException($"{connected.Count} nodes are connected: name one with --machine NODE");
    }
}
