namespace Gatehouse.Configuration.Schema;

/// <summary>
/// What a node of release 0.2 knows. Builds before 0.3.0 do not name the settings they know, and
/// drop one they do not know without a word; the manager takes such a node to know exactly what
/// release 0.2.0 knew, listed as it was (<c>known-settings-0.2.0.txt</c>, frozen).
/// </summary>
public static class Release020
{
    public static IReadOnlySet<string> KnownSettings { get; } = Read();

    private static HashSet<string> Read()
    {
        using var stream = typeof(Release020).Assembly.GetManifestResourceStream("known-settings-0.2.0.txt")
            ?? throw new InvalidOperationException("known-settings-0.2.0.txt is not in the build");
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
