using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Tracking;
using Gatehouse.ClusterManager.Views;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>
/// Monitor > Message Tracking: the search form and, per message found, its path through the
/// cluster with each node's timeline. A read-only search, so the form is a GET (bookmarkable).
/// </summary>
internal sealed class TrackingModel : GuiPage
{
    /// <summary>Received within: the choices of the appliance's form.</summary>
    public static readonly IReadOnlyList<(string Value, string Label, TimeSpan? Span)> Periods =
    [
        ("1h", "Last hour", TimeSpan.FromHours(1)), ("1d", "Last day", TimeSpan.FromDays(1)), ("7d", "Last 7 days", TimeSpan.FromDays(7)), ("all", "Any time", null),
    ];

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Subject { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? MessageId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Node { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Mid { get; set; }

    [BindProperty(SupportsGet = true)]
    public string Period { get; set; } = "1d";

    [BindProperty(SupportsGet = true)]
    public bool Search { get; set; }

    public IReadOnlyList<string> Nodes { get; private set; } = [];

    public TrackResult? Result { get; private set; }

    public async Task OnGetAsync()
    {
        await LoadAsync();
        if (!Search)
        {
            return;
        }

        if (Mid is not null && string.IsNullOrEmpty(Node))
        {
            Problem = "A MID belongs to one node: choose the node.";
            return;
        }

        var span = Periods.FirstOrDefault(p => p.Value == Period).Span;
        try
        {
            Result = await HttpContext.RequestServices.GetRequiredService<MessageTracking>().SearchAsync(
                new TrackRequest(Mid, string.IsNullOrEmpty(Node) ? null : Node, Blank(From), Blank(To), Blank(Subject), Blank(MessageId),
                    span is { } s ? DateTimeOffset.UtcNow - s : null),
                HttpContext.RequestAborted);
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
        }
    }

    protected override async Task LoadAsync() =>
        Nodes = [.. (await Store.ListNodesAsync()).Select(n => n.Name).Order(StringComparer.Ordinal)];

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
