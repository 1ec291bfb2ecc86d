namespace Gatehouse.ClusterManager.Cli;

/// <summary>Reads the https URLs given on the command line.</summary>
internal static class Urls
{
    public static Uri Parse(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps
            ? url
            : throw new CliException($"{option} must be an https URL such as https://127.0.0.1:9443, not '{text}'");
}
