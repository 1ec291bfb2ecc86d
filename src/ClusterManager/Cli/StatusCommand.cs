using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager status [--json]</c>: the cluster at a glance — each node's connection,
/// version, last hour of mail and TLS, queue and last error; certificates expiring soon; open alerts.
/// </summary>
internal static class StatusCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var json = new Option<bool>("--json") { Description = "One JSON document, for scripts and monitoring" };
        var command = new Command("status", "The cluster at a glance: nodes, last hour of mail and TLS, queues, expiring certificates, open alerts") { json };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var status = await client.GetAsync<ClusterStatusView>("api/v1/status", cancel);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, AdminApi.Json));
                return 0;
            }

            Print(status);
            return 0;
        });
        return command;
    }

    private static void Print(ClusterStatusView status)
    {
        Console.WriteLine($"Committed version {status.CommittedVersion}; {status.Nodes.Count} node(s), {status.Nodes.Count(n => n.Connected)} connected");
        Console.WriteLine();
        Console.WriteLine("Last hour:");
        var rows = status.Nodes.Select(n => n.LastHour is { } h
            ? new[] { n.Name, n.Connected ? "connected" : "disconnected", Applied(n, status), Num(h.Accepted), Num(h.Delivered), Num(h.Deferred), Num(h.Bounced), Rate(h.TlsInboundSuccessRate, h.TlsInbound), Rate(h.TlsOutboundSuccessRate, h.TlsOutbound), Num(h.QueueMessages), Age(h.OldestMessageSeconds), n.LastError }
            : [n.Name, n.Connected ? "connected" : "disconnected", Applied(n, status), "-", "-", "-", "-", "-", "-", "-", "-", n.NotAnswering is { } why && n.Connected ? $"not answering: {why}" : n.LastError]);
        Table.Print(["NODE", "STATUS", "APPLIED", "IN", "DELIVERED", "DEFERRED", "BOUNCED", "TLS IN", "TLS OUT", "QUEUE", "OLDEST", "LAST ERROR"], [.. rows]);
        Console.WriteLine();
        Console.WriteLine(status.CertificatesExpiring.Count == 0
            ? "No certificate expires within 30 days."
            : "Certificates expiring within 30 days:");
        foreach (var c in status.CertificatesExpiring)
        {
            Console.WriteLine($"  {c.Name} ({c.Level}): {(c.DaysLeft < 0 ? $"expired {-c.DaysLeft} day(s) ago" : $"{c.DaysLeft} day(s) left")}, {c.NotAfter.UtcDateTime:yyyy-MM-dd}");
        }

        Console.WriteLine();
        Console.WriteLine(status.OpenAlerts.Count == 0 ? "No open alert." : $"Open alerts ({status.OpenAlerts.Count}; gatehouse-manager alerts ack KEY):");
        foreach (var a in status.OpenAlerts)
        {
            Console.WriteLine($"  {a.At.ToUniversalTime():u}  {a.Severity}  ({a.Class}) {a.Message}");
        }
    }

    private static string Applied(NodeStatusView node, ClusterStatusView status) =>
        node.AppliedVersion == status.CommittedVersion ? Num(node.AppliedVersion) : $"{node.AppliedVersion} (behind)";

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Rate(double? rate, long sessions) => rate is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.#}% of {sessions}") : "-";

    private static string Age(long seconds) => seconds == 0 ? "-"
        : seconds >= 3600 ? $"{seconds / 3600}h{seconds % 3600 / 60}m" : $"{seconds / 60}m{seconds % 60}s";
}
