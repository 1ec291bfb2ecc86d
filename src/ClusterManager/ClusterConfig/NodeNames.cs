namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>What a node name may be: it appears in paths, certificates and logs.</summary>
internal static class NodeNames
{
    public const string Rule = "1-63 letters, digits, '-' or '_', starting with a letter or digit";

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 63
        && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>
    /// Names the manager answers to. A node certificate is for client use only and cannot pose
    /// as the manager anyway; refusing these names keeps logs and certificates unambiguous.
    /// </summary>
    public static bool IsManagerName(string name)
    {
        var host = System.Net.Dns.GetHostName();
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.Equals(host, StringComparison.OrdinalIgnoreCase)
            || name.Equals(host.Split('.')[0], StringComparison.OrdinalIgnoreCase);
    }
}
