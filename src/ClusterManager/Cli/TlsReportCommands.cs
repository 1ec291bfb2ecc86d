using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Reports;
using Gatehouse.ClusterManager.TlsReports;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager tls-report [--date D] [--json]</c>: the cluster's TLS reports (RFC 8460)
/// of a UTC day, one per policy domain, added up from every node; <c>tls-report send</c> sends
/// them now to the rua each domain publishes. Exit 2 when a node did not answer.
/// </summary>
internal static class TlsReportCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var date = new Option<string>("--date") { Description = "The UTC day: YYYY-MM-DD, today or yesterday", DefaultValueFactory = _ => "yesterday" };
        var json = new Option<bool>("--json") { Description = "The reports as RFC 8460 JSON documents, with each node's answer" };
        var command = new Command("tls-report", "The cluster's TLS reports (RFC 8460) of a day: per policy domain, the sessions of every node added up") { date, json };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var day = await client.GetAsync<TlsReportsOfDay>($"api/v1/tls-reports?date={ReportDayOption.Day(result.GetValue(date)!)}", cancel);
            return Print(day, result.GetValue(json));
        });

        var send = new Command("send", "Send the day's reports now to the rua of each domain's _smtp._tls record (a day not over is sent as far as it goes, and not again)") { date, json };
        send.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var day = await client.SendAsync<TlsReportsOfDay>(HttpMethod.Post, "api/v1/tls-reports/send", new ReportSendRequest(ReportDayOption.Day(result.GetValue(date)!)), cancel);
            return Print(day, result.GetValue(json));
        });
        command.Add(send);
        return command;
    }

    private static int Print(TlsReportsOfDay day, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(day, AdminApi.Json));
        }
        else
        {
            Console.WriteLine($"TLS reports of {day.Date} (UTC){(day.Enabled ? "" : "; reporting is off (manager.tls_reporting)")}");
            foreach (var node in day.Nodes)
            {
                Console.WriteLine(node.Answered ? $"  node {node.Node}: {node.Policies} policies" : $"  node {node.Node} did not answer: {node.Problem}");
            }

            Table.Print(["DOMAIN", "SUCCESSFUL", "FAILED", "POLICIES", "STATE"], day.Reports.Select(report => new[]
            {
                report.Domain, report.Successful.ToString(CultureInfo.InvariantCulture), report.Failed.ToString(CultureInfo.InvariantCulture),
                string.Join(", ", report.Report.Policies.Select(p => p.Policy.Type).Distinct()), report.State,
            }));
        }

        return day.Nodes.All(n => n.Answered) ? 0 : 2;
    }
}
