using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.QueueControl;
using Gatehouse.ClusterManager.Views;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>
/// Monitor > Queue: each connected node's queue by domain, and the same commands as
/// <c>gatehouse-manager queue</c> — suspend, resume and flush a domain; bounce, delete or redirect
/// one message on its node. Every command is in the audit log under the GUI user.
/// </summary>
internal sealed class QueueModel : GuiPage
{
    [BindProperty]
    public string Op { get; set; } = "";

    [BindProperty]
    public string? Domain { get; set; }

    [BindProperty]
    public string? Node { get; set; }

    [BindProperty]
    public long? Mid { get; set; }

    [BindProperty]
    public string? RedirectTo { get; set; }

    public IReadOnlyList<string> ConnectedNodes { get; private set; } = [];

    /// <summary>Each node's summary: its queue by domain.</summary>
    public IReadOnlyList<QueueNodeAnswer> Summaries { get; private set; } = [];

    /// <summary>What each node answered to the command just given.</summary>
    public IReadOnlyList<QueueNodeAnswer> Answers { get; private set; } = [];

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        var request = new QueueRequest(Op, Blank(Domain), Mid, Blank(Node), Op == "redirect" ? Blank(RedirectTo) : null);
        try
        {
            Answers = await HttpContext.RequestServices.GetRequiredService<ClusterQueue>().RunAsync(request, Actor, HttpContext.RequestAborted);
            Notice = $"queue {Op}: {string.Join("; ", Answers.Select(a => $"{a.Node} {(a.Ok ? "ok" : "refused")}"))}";
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
        }

        await LoadAsync();
        return Page();
    }

    protected override async Task LoadAsync()
    {
        ConnectedNodes = [.. (await Store.ListNodesAsync()).Where(n => n.Connected).Select(n => n.Name).Order(StringComparer.Ordinal)];
        Summaries = await HttpContext.RequestServices.GetRequiredService<ClusterQueue>().RunAsync(new QueueRequest("summary", null, null, null), Actor, HttpContext.RequestAborted);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
