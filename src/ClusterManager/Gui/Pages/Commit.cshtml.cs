using Gatehouse.ClusterManager.ClusterConfig;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

internal sealed class CommitModel : GuiPage
{
    public ChangesView? Changes { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public string Comment { get; private set; } = "";

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostCommitAsync(string? comment)
    {
        Comment = comment ?? "";
        var result = await ChangeResultAsync(() => Configuration.CommitAsync(Comment, Actor));
        if (result?.Version is { } version)
        {
            var warnings = result.Warnings.Count == 0 ? "" : $" Warnings: {string.Join("; ", result.Warnings)}";
            Notice = $"Committed version {version}.{warnings}";
            return RedirectToPage();
        }

        Errors = [.. result?.Errors.Select(e => e.ToString()) ?? []];
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostAbandonAsync() =>
        ChangeAsync(
            async () =>
            {
                await Configuration.ClearChangesAsync(Actor);
                return "The uncommitted changes were abandoned.";
            });

    protected override async Task LoadAsync() => Changes = await Configuration.ShowChangesAsync();

    private async Task<CommitResult?> ChangeResultAsync(Func<Task<CommitResult>> commit)
    {
        try
        {
            return await commit();
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
            return null;
        }
    }
}
