using System.CommandLine;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager alerts [--json]</c>: the alerts the manager raised, newest last, each
/// with whether a node mailed it and who acknowledged it; <c>alerts ack KEY</c> acknowledges one.
/// </summary>
internal static class AlertCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var json = new Option<bool>("--json") { Description = "One JSON array, for scripts" };
        var last = new Option<int>("--last") { Description = "How many of the newest alerts", DefaultValueFactory = _ => 100 };
        var alerts = new Command("alerts", "Show the alerts the manager raised (certificate expiry, nodes refusing a version, away or behind)") { json, last };
        alerts.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var list = await client.GetAsync<List<AlertView>>($"api/v1/alerts?last={result.GetValue(last)}", cancel);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(list, AdminApi.Json));
                return 0;
            }

            foreach (var alert in list)
            {
                Console.WriteLine($"{alert.At.ToUniversalTime():u}  {alert.Severity}  ({alert.Class}) {alert.Message}");
                Console.WriteLine($"    key {alert.Key}; {State(alert)}");
            }

            return 0;
        });

        var key = new Argument<string>("KEY") { Description = "The alert's key, as `alerts` shows it" };
        var ack = new Command("ack", "Acknowledge an alert (recorded in the audit log)") { key };
        ack.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var answer = await client.SendAsync<AlertAckAnswer>(HttpMethod.Post, "api/v1/alerts/ack", new AlertAckRequest(result.GetValue(key)!), cancel);
            Console.WriteLine($"{answer.Key}: {answer.Outcome}");
            return 0;
        });
        alerts.Add(ack);
        return alerts;
    }

    private static string State(AlertView alert) =>
        (alert.SeenBy is [_, ..] ? $"seen by {string.Join(", ", alert.SeenBy)}; " : "")
        + (alert.MailedBy is { } node ? $"mailed by {node}" : alert.Unsent is { } why ? $"not mailed: {why}" : "not mailed yet")
        + (alert.AcknowledgedBy is { } by ? $"; acknowledged by {by}" : "; open");
}
