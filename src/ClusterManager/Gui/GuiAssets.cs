namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// The GUI's stylesheet and script, built into the assembly. They hold no data, and the login
/// page needs them before anyone is logged in, so they are the only anonymous GUI files.
/// </summary>
internal static class GuiAssets
{
    public static void MapGuiAssets(this IEndpointRouteBuilder app)
    {
        Map(app, "gui.css", "text/css; charset=utf-8");
        Map(app, "gui.js", "text/javascript; charset=utf-8");
    }

    private static void Map(IEndpointRouteBuilder app, string name, string contentType)
    {
        using var resource = typeof(GuiAssets).Assembly.GetManifestResourceStream($"Gatehouse.Gui.{name}")
            ?? throw new InvalidOperationException($"GUI asset {name} is missing from the build");
        using var copy = new MemoryStream();
        resource.CopyTo(copy);
        var bytes = copy.ToArray();
        app.MapGet($"/{name}", () => Results.Bytes(bytes, contentType)).AllowAnonymous();
    }
}
