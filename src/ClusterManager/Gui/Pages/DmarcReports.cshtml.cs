using Gatehouse.ClusterManager.DmarcReports;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>
/// Monitor > DMARC Reports: the cluster's DMARC aggregate reports (RFC 7489) of a day as they
/// stand — each node's answer, each domain's counts, what became of its report and the XML
/// itself — and sending a day's reports now, as <c>gatehouse-manager dmarc-report</c> does (audited).
/// </summary>
internal sealed class DmarcReportsModel : ReportsPage<DmarcReportsOfDay>
{
    protected override string Command => "dmarc-report send";

    protected override Task<DmarcReportsOfDay> ShowAsync(DateOnly day, CancellationToken cancel) =>
        HttpContext.RequestServices.GetRequiredService<DmarcReporting>().DayAsync(day, cancel);

    protected override Task<DmarcReportsOfDay> SendNowAsync(DateOnly day, CancellationToken cancel) =>
        HttpContext.RequestServices.GetRequiredService<DmarcReporting>().SendNowAsync(day, cancel);

    protected override string Summary(DmarcReportsOfDay day) => day.Summary();

    protected override string Outcome(DmarcReportsOfDay day) =>
        $"Reports of {day.Date}: {(day.Reports.Count == 0 ? "no domain asked for reports" : string.Join("; ", day.Reports.Select(r => $"{r.Domain} {r.State}")))}";
}
