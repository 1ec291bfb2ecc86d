using System.Globalization;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
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
            Results.Json(await reporting.DayAsync(Date(date, time), context.RequestAborted), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/tls-reports/send", async (HttpContext context, TlsReporting reporting, TimeProvider time, AuditLog audit) =>
        {
            var request = await AdminApi.Read<TlsReportSendRequest>(context);
            var date = Date(request.Date, time);
            var day = await reporting.SendNowAsync(date, context.RequestAborted);
            await audit.RecordAsync(AdminTokenHandler.Actor(context), "tls-report send",
                $"{day.Date}: {string.Join("; ", day.Reports.Select(r => $"{r.Domain} {r.State}"))}", context.RequestAborted);
            return Results.Json(day, AdminApi.Json);
        }).For(ApiRole.Operator);
    }

    // Yesterday (UTC) unless named: the day the manager reports on its own.
    private static DateOnly Date(string? text, TimeProvider time) =>
        text is null ? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1)
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new ChangeRejectedException("date: YYYY-MM-DD");
}
