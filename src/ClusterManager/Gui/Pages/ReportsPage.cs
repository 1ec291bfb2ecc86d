using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Reports;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>A page of the cluster's daily reports of one kind: a day as it stands, and sending it now (audited).</summary>
internal abstract class ReportsPage<TDay> : GuiPage
    where TDay : class
{
    [BindProperty(SupportsGet = true)]
    public string? Date { get; set; }

    public TDay? Day { get; private set; }

    /// <summary>The command the audit log names, as the CLI's: "tls-report send".</summary>
    protected abstract string Command { get; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostSendAsync()
    {
        try
        {
            var day = ReportDays.Of(Date, HttpContext.RequestServices.GetRequiredService<TimeProvider>());
            var sent = await SendNowAsync(day, HttpContext.RequestAborted);
            Day = sent;
            await HttpContext.RequestServices.GetRequiredService<AuditLog>().RecordAsync(Actor, Command, Summary(sent), HttpContext.RequestAborted);
            Notice = Outcome(sent);
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
            await LoadAsync();
        }

        return Page();
    }

    protected abstract Task<TDay> ShowAsync(DateOnly day, CancellationToken cancel);

    protected abstract Task<TDay> SendNowAsync(DateOnly day, CancellationToken cancel);

    /// <summary>What the audit log says of a send.</summary>
    protected abstract string Summary(TDay day);

    /// <summary>What the page says after a send.</summary>
    protected abstract string Outcome(TDay day);

    protected override async Task LoadAsync()
    {
        try
        {
            var day = ReportDays.Of(Date, HttpContext.RequestServices.GetRequiredService<TimeProvider>());
            Date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            Day = await ShowAsync(day, HttpContext.RequestAborted);
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
        }
    }
}
