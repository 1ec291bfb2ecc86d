using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.DmarcReports;
using Gatehouse.ClusterManager.Reports;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>
/// Monitor > DMARC Reports: the cluster's DMARC aggregate reports (RFC 7489) of a day as they
/// stand — each node's answer, each domain's counts, what became of its report and the XML
/// itself — and sending a day's reports now, as <c>gatehouse-manager dmarc-report</c> does (audited).
/// </summary>
internal sealed class DmarcReportsModel : GuiPage
{
    [BindProperty(SupportsGet = true)]
    public string? Date { get; set; }

    public DmarcReportsOfDay? Day { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostSendAsync()
    {
        try
        {
            var day = ReportDays.Of(Date, HttpContext.RequestServices.GetRequiredService<TimeProvider>());
            Day = await HttpContext.RequestServices.GetRequiredService<DmarcReporting>().SendNowAsync(day, HttpContext.RequestAborted);
            await HttpContext.RequestServices.GetRequiredService<AuditLog>().RecordAsync(Actor, "dmarc-report send", Day.Summary(), HttpContext.RequestAborted);
            Notice = $"Reports of {Day.Date}: {(Day.Reports.Count == 0 ? "no domain asked for reports" : string.Join("; ", Day.Reports.Select(r => $"{r.Domain} {r.State}")))}";
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
            await LoadAsync();
        }

        return Page();
    }

    protected override async Task LoadAsync()
    {
        try
        {
            var day = ReportDays.Of(Date, HttpContext.RequestServices.GetRequiredService<TimeProvider>());
            Date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            Day = await HttpContext.RequestServices.GetRequiredService<DmarcReporting>().DayAsync(day, HttpContext.RequestAborted);
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
        }
    }
}
