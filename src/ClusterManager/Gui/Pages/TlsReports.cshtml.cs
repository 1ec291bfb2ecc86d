using System.Text.Json;
using Gatehouse.ClusterManager.TlsReports;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>
/// Monitor > TLS Reports: the cluster's TLS reports (RFC 8460) of a day as they stand — each
/// node's answer, each policy domain's counts, what became of its report and the report itself —
/// and sending a day's reports now, as <c>gatehouse-manager tls-report</c> does (audited).
/// </summary>
internal sealed class TlsReportsModel : ReportsPage<TlsReportsOfDay>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    protected override string Command => "tls-report send";

    public static string Json(TlsReportDocument report) => JsonSerializer.Serialize(report, Indented);

    protected override Task<TlsReportsOfDay> ShowAsync(DateOnly day, CancellationToken cancel) =>
        HttpContext.RequestServices.GetRequiredService<TlsReporting>().DayAsync(day, cancel);

    protected override Task<TlsReportsOfDay> SendNowAsync(DateOnly day, CancellationToken cancel) =>
        HttpContext.RequestServices.GetRequiredService<TlsReporting>().SendNowAsync(day, cancel);

    protected override string Summary(TlsReportsOfDay day) => day.Summary();

    protected override string Outcome(TlsReportsOfDay day) =>
        $"Reports of {day.Date}: {(day.Reports.Count == 0 ? "no policy domain had sessions" : string.Join("; ", day.Reports.Select(r => $"{r.Domain} {r.State}")))}";
}
