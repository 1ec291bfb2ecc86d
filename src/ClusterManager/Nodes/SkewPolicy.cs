using System.Reflection;
using System.Text.RegularExpressions;
using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Which node builds this manager serves: its own release and the one before (managers are
/// upgraded first, then the nodes). A node further behind, or of a later release than the
/// manager, is refused its stream with the reason; it keeps serving mail on its last good
/// configuration until it (or the manager) is upgraded. A build before 0.3.0 names no settings
/// and reports no release: it is taken to be 0.2. A version that is not a release number is
/// left to the settings check.
/// </summary>
internal static partial class SkewPolicy
{
    /// <summary>This manager's build (<c>0.3.0+1a2b3c4…</c>).</summary>
    public static string ManagerVersion { get; } =
        typeof(SkewPolicy).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";

    /// <summary>Null when the node may stream to this manager; otherwise why not.</summary>
    public static string? Refusal(Hello hello) => Refusal(hello, ManagerVersion);

    /// <summary>Null when the node may stream to a manager of <paramref name="managerVersion"/>; otherwise why not.</summary>
    public static string? Refusal(Hello hello, string managerVersion)
    {
        if (Release(managerVersion) is not { } manager)
        {
            return null;
        }

        var node = hello.KnownSettings.Count == 0 ? (Major: 0, Minor: 2) : Release(hello.SoftwareVersion);
        if (node is not { } n)
        {
            return null;
        }

        var shown = hello.KnownSettings.Count == 0 ? "a build before 0.3.0" : hello.SoftwareVersion;
        var release = $"{manager.Major}.{manager.Minor}";
        return n.Major > manager.Major || (n.Major == manager.Major && n.Minor > manager.Minor)
                ? $"node software {shown} is newer than this manager's release {release}: upgrade the managers first"
            : n.Major < manager.Major || n.Minor < manager.Minor - 1
                ? $"node software {shown} is more than one release behind this manager's release {release}: upgrade the node"
            : null;
    }

    private static (int Major, int Minor)? Release(string version) =>
        ReleasePattern().Match(version) is { Success: true } m ? (int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)) : null;

    [GeneratedRegex(@"^(\d{1,4})\.(\d{1,4})\.\d{1,4}(?:[-+].*)?\z")]
    private static partial Regex ReleasePattern();
}
