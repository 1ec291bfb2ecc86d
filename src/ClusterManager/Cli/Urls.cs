namespace Gatehouse.ClusterManager.Cli;

/// <summary>Reads the https URLs given on the command line.</summary>
internal static class Urls
{
    public static Uri Parse(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps
            ? url
            : throw new CliException($"{option} must be an https URL such as https://127.0.0.1:9443, not '{text}'");

    /// <summary>Where the manager listens: <c>https://IP:PORT</c>, an address, never a name.</summary>
    public static System.Net.IPEndPoint ParseListen(string text)
    {
        var listen = Parse(text, "--listen");
        return System.Net.IPAddress.TryParse(listen.Host.Trim('[', ']'), out var address)
            ? new System.Net.IPEndPoint(address, listen.Port)
            : throw new CliException($"--listen must be https://IP:PORT with an IP address, not {listen}");
    }
}
