using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Nodes;
using Gatehouse.ClusterManager.Views;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

internal sealed record NodeRow(string Name, bool Connected, long AppliedVersion, string SoftwareVersion, string LastSeen, string Address, int MachineSettings, string LastError);

internal sealed class IndexModel : GuiPage
{
    public long LatestVersion { get; private set; }

    public IReadOnlyList<NodeRow> Nodes { get; private set; } = [];

    /// <summary>The committed groups with their members.</summary>
    public IReadOnlyList<GroupView> GroupRows { get; private set; } = [];

    public string? Token { get; private set; }

    /// <summary>The System Status part: each node's last hour and queue, expiring certificates, open alerts.</summary>
    public ClusterStatusView? Status { get; private set; }

    public string ManagerUrl => $"https://{Request.Host}";

    public async Task OnGetAsync() => await LoadAsync();

    public Task<IActionResult> OnPostRemoveAsync(string name) =>
        ChangeAsync(
            async () =>
            {
                var deleted = await HttpContext.RequestServices.GetRequiredService<NodeRemoval>().RemoveAsync(name, Actor);
                return $"Node {name} removed{(deleted > 0 ? $" with its {deleted} machine-level settings" : "")}; it must join again to come back.";
            });

    public async Task<IActionResult> OnPostTokenAsync(int hours)
    {
        var (token, _) = await HttpContext.RequestServices.GetRequiredService<JoinTokens>().CreateAsync(TimeSpan.FromHours(Math.Clamp(hours, 1, 168)), Actor);
        Token = token.ToString();
        await LoadAsync();
        return Page();
    }

    protected override async Task LoadAsync()
    {
        var latest = await Store.GetLatestAsync();
        LatestVersion = latest.Version;
        Nodes = [.. (await Store.ListNodesAsync()).Select(n => new NodeRow(
            n.Name, n.Connected, n.AppliedVersion, n.SoftwareVersion.Length > 0 ? n.SoftwareVersion : "?", n.LastSeen?.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "never",
            n.Address, MachineSettings.Count(latest.Content.Machines.GetValueOrDefault(n.Name)), n.LastError))];
        GroupRows = [.. latest.Content.Groups.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupView(g.Key, [.. g.Value.Members.Order(StringComparer.Ordinal)], MachineSettings.Count(g.Value.Config)))];
        Status = await HttpContext.RequestServices.GetRequiredService<ClusterStatus>().GetAsync(HttpContext.RequestAborted);
    }
}
