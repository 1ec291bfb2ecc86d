using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Reports;
using Gatehouse.ClusterManager.TlsReports;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// <c>GET /api/v1/tls-reports?date=YYYY-MM-DD</c>: the cluster's TLS reports (RFC 8460) of a UTC
/// day as they stand, one per policy domain, with every node's answer and what became of each;
/// <c>POST /api/v1/tls-reports/send</c> sends a day's reports now (in the audit log).
/// </summary>
internal static class TlsReportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/tls-reports", async (TlsReporting reporting, TimeProvider time, string? date, HttpContext context) =>
            Results.Json(await reporting.DayAsync(ReportDays.Of(date, time), context.RequestAborted), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/tls-reports/send", async (HttpContext context, TlsReporting reporting, TimeProvider time, AuditLog audit) =>
        {
            var request = await AdminApi.Read<ReportSendRequest>(context);
            var date = ReportDays.Of(request.Date, time);
            var day = await reporting.SendNowAsync(date, context.RequestAborted);
            await audit.RecordAsync(AdminTokenHandler.Actor(context), "tls-report send", day.Summary(), context.RequestAborted);
            return Results.Json(day, AdminApi.Json);
        }).For(ApiRole.Operator);
    }
}
