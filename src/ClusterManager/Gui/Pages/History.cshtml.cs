using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

internal sealed record VersionRow(long Version, string At, string Author, string Comment);

internal sealed class HistoryModel : GuiPage
{
    public IReadOnlyList<VersionRow> Versions { get; private set; } = [];

    public long Latest { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    public Task<IActionResult> OnPostRollbackAsync(long version) =>
        ChangeAsync(
            async () =>
            {
                await Configuration.RollbackAsync(version, Actor);
                return $"The content of version {version} is staged; commit it to roll back.";
            });

    protected override async Task LoadAsync()
    {
        var versions = await Store.ListVersionsAsync();
        Latest = versions.Count == 0 ? 0 : versions.Max(v => v.Version);
        Versions = [.. versions.OrderByDescending(v => v.Version).Select(v => new VersionRow(
            v.Version, v.CommittedAt.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture), v.Author, v.Comment))];
    }
}
