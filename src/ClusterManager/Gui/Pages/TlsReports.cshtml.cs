using System.Text.Json;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Reports;
using Gatehouse.ClusterManager.TlsReports;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>
/// Monitor > TLS Reports: the cluster's TLS reports (RFC 8460) of a day as they stand — each
/// node's answer, each policy domain's counts, what became of its report and the report itself —
/// and sending a day's reports now, as <c>gatehouse-manager tls-report</c> does (audited).
/// </summary>
internal sealed class TlsReportsModel : GuiPage
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [BindProperty(SupportsGet = true)]
    public string? Date { get; set; }

    public TlsReportsOfDay? Day { get; private set; }

    public static string Json(TlsReportDocument report) => JsonSerializer.Serialize(report, Indented);

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostSendAsync()
    {
        try
        {
            var day = ReportDays.Of(Date, HttpContext.RequestServices.GetRequiredService<TimeProvider>());
            Day = await HttpContext.RequestServices.GetRequiredService<TlsReporting>().SendNowAsync(day, HttpContext.RequestAborted);
            await HttpContext.RequestServices.GetRequiredService<AuditLog>().RecordAsync(Actor, "tls-report send", Day.Summary(), HttpContext.RequestAborted);
            Notice = $"Reports of {Day.Date}: {(Day.Reports.Count == 0 ? "no policy domain had sessions" : string.Join("; ", Day.Reports.Select(r => $"{r.Domain} {r.State}")))}";
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
            Day = await HttpContext.RequestServices.GetRequiredService<TlsReporting>().DayAsync(day, HttpContext.RequestAborted);
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
        }
    }
}
