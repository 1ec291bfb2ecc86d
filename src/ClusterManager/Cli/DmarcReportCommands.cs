using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.DmarcReports;
using Gatehouse.ClusterManager.Reports;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager dmarc-report [--date D] [--json]</c>: the cluster's DMARC aggregate
/// reports (RFC 7489) of a UTC day, one per domain, added up from every node; <c>dmarc-report
/// send</c> mails them now to the rua each domain publishes. Exit 2 when a node did not answer.
/// </summary>
internal static class DmarcReportCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var date = new Option<string>("--date") { Description = "The UTC day: YYYY-MM-DD, today or yesterday", DefaultValueFactory = _ => "yesterday" };
        var json = new Option<bool>("--json") { Description = "The reports with their XML and each node's answer, as JSON" };
        var command = new Command("dmarc-report", "The cluster's DMARC aggregate reports (RFC 7489) of a day: per domain, the results of every node added up") { date, json };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            return Print(await client.GetAsync<DmarcReportsOfDay>($"api/v1/dmarc-reports?date={ReportDayOption.Day(result.GetValue(date)!)}", cancel), result.GetValue(json));
        });

        var send = new Command("send", "Mail the day's reports now to the rua of each domain's _dmarc record (a day not over is sent as far as it goes, and not again)") { date, json };
        send.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            return Print(await client.SendAsync<DmarcReportsOfDay>(HttpMethod.Post, "api/v1/dmarc-reports/send", new ReportSendRequest(ReportDayOption.Day(result.GetValue(date)!)), cancel), result.GetValue(json));
        });
        command.Add(send);
        return command;
    }

    private static int Print(DmarcReportsOfDay day, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(day, AdminApi.Json));
            return day.Nodes.All(n => n.Answered) ? 0 : 2;
        }

        Console.WriteLine($"DMARC reports of {day.Date} (UTC){(day.Enabled ? "" : "; reporting is off (manager.dmarc_reporting)")}");
        foreach (var node in day.Nodes)
        {
            Console.WriteLine(node.Answered ? $"  node {node.Node}: {node.Records} rows" : $"  node {node.Node} did not answer: {node.Problem}");
        }

        Table.Print(["DOMAIN", "MESSAGES", "PASSED", "FAILED", "STATE"], day.Reports.Select(report => new[]
        {
            report.Domain, report.Messages.ToString(CultureInfo.InvariantCulture), report.Passed.ToString(CultureInfo.InvariantCulture),
            report.Failed.ToString(CultureInfo.InvariantCulture), report.State,
        }));
        return day.Nodes.All(n => n.Answered) ? 0 : 2;
    }
}
