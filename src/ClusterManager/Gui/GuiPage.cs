using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// What every GUI page has: the level being edited (Cluster, or Machine NAME, kept in a
/// cookie so it follows the admin from page to page), the machines to choose from, and
/// the number of pending changes for the "Commit Changes (N)" button.
/// </summary>
internal abstract class GuiPage : PageModel
{
    private const string LevelCookie = "gatehouse-level";

    /// <summary>The level the pages show and edit: the cluster's, a group's or a machine's (the Mode switch).</summary>
    public LevelTarget Target { get; private set; } = LevelTarget.Cluster;

    /// <summary>The machine whose level is edited; null in cluster and group mode.</summary>
    public string? Machine => Target.Kind == ConfigLevel.Machine ? Target.Name : null;

    /// <summary>A group's or a machine's level: values are inherited and can be overridden here.</summary>
    public bool Overriding => Target.Kind != ConfigLevel.Cluster;

    public IReadOnlyList<string> Machines { get; private set; } = [];

    public IReadOnlyList<string> Groups { get; private set; } = [];

    public int PendingCount { get; private set; }

    /// <summary>A message for the top of the page after a successful action.</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>A message for the top of the page when the action was refused; nothing was changed.</summary>
    public string? Problem { get; set; }

    public string LevelName => Target.Kind switch
    {
        ConfigLevel.Group => $"Group {Target.Name}",
        ConfigLevel.Machine => $"Machine {Target.Name}",
        _ => "Cluster",
    };

    /// <summary>The value of the Mode switch for a group (machine names cannot hold a colon).</summary>
    public static string GroupMode(string group) => $"group:{group}";

    protected string Actor => $"gui:{User.Identity?.Name ?? "unknown"}";

    protected ConfigurationService Configuration => HttpContext.RequestServices.GetRequiredService<ConfigurationService>();

    protected IManagerStore Store => HttpContext.RequestServices.GetRequiredService<IManagerStore>();

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var requested = Request.Query["level"].ToString();
        if (requested.Length > 0)
        {
            Response.Cookies.Append(LevelCookie, requested, new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict });
        }
        else
        {
            requested = Request.Cookies[LevelCookie] ?? "";
        }

        // Straight from the store: every page shows these, so no decryption and no diff here.
        var cancel = HttpContext.RequestAborted;
        var pending = await Store.GetPendingAsync(cancel);
        var content = pending?.Content ?? (await Store.GetLatestAsync(cancel)).Content;
        var nodes = await Store.ListNodesAsync(cancel);
        Machines = [.. nodes.Select(n => n.Name).Union(content.Machines.Keys).Order(StringComparer.Ordinal)];
        Groups = [.. content.Groups.Keys.Order(StringComparer.Ordinal)];
        Target = Machines.Contains(requested) ? LevelTarget.Of(requested)
            : Groups.FirstOrDefault(g => GroupMode(g) == requested) is { } group ? LevelTarget.Of(null, group)
            : LevelTarget.Cluster;
        PendingCount = pending?.Changes.Count ?? 0;
        await next();
    }

    /// <summary>Runs a change; a refusal becomes the page's problem message, changes nothing and shows the page again.</summary>
    protected async Task<IActionResult> ChangeAsync(Func<Task<string>> change)
    {
        try
        {
            Notice = await change();
            return RedirectToPage();
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
            await LoadAsync();
            return Page();
        }
    }

    /// <summary>Reads what the page shows.</summary>
    protected virtual Task LoadAsync() => Task.CompletedTask;
}
