using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.DmarcReports;
using Gatehouse.ClusterManager.Reports;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// <c>GET /api/v1/dmarc-reports?date=YYYY-MM-DD</c>: the cluster's DMARC aggregate reports
/// (RFC 7489) of a UTC day as they stand, one per domain, with every node's answer and what
/// became of each; <c>POST /api/v1/dmarc-reports/send</c> sends a day's reports now (audited).
/// </summary>
internal static class DmarcReportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/dmarc-reports", async (DmarcReporting reporting, TimeProvider time, string? date, HttpContext context) =>
            Results.Json(await reporting.DayAsync(ReportDays.Of(date, time), context.RequestAborted), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/dmarc-reports/send", async (HttpContext context, DmarcReporting reporting, TimeProvider time, AuditLog audit) =>
        {
            var request = await AdminApi.Read<ReportSendRequest>(context);
            var day = await reporting.SendNowAsync(ReportDays.Of(request.Date, time), context.RequestAborted);
            await audit.RecordAsync(AdminTokenHandler.Actor(context), "dmarc-report send", day.Summary(), context.RequestAborted);
            return Results.Json(day, AdminApi.Json);
        }).For(ApiRole.Operator);
    }
}
