using System.Reflection;

namespace Gatehouse.Node.Runtime;

/// <summary>
/// This build's version, as the node reports it to the manager and names it in its refusals:
/// the release, and the source commit where the build knows it (<c>0.3.0+1a2b3c4</c>).
/// </summary>
internal static class BuildVersion
{
    public static string Text { get; } = Short(
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    // The SDK appends the whole commit hash; seven characters name it as git does.
    private static string Short(string version) =>
        version.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 && version.Length > plus + 8 ? version[..(plus + 8)] : version;
}
