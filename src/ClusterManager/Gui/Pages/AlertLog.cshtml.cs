using Gatehouse.ClusterManager.Alerts;
using Gatehouse.ClusterManager.Views;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>System Administration > Alert Log: the manager's alerts, newest first, with acknowledgement.</summary>
internal sealed class AlertLogModel : GuiPage
{
    public IReadOnlyList<AlertView> Alerts { get; private set; } = [];

    public Task OnGetAsync() => LoadAsync();

    public Task<IActionResult> OnPostAcknowledgeAsync(string key) =>
        ChangeAsync(async () => await Service.AcknowledgeAsync(key, Actor, HttpContext.RequestAborted)
            ? "The alert is acknowledged."
            : "The alert was already acknowledged.");

    protected override async Task LoadAsync() =>
        Alerts = [.. (await Service.ListAsync(200, HttpContext.RequestAborted)).AsEnumerable().Reverse()];

    private ManagerAlerts Service => HttpContext.RequestServices.GetRequiredService<ManagerAlerts>();
}
