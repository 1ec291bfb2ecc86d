using System.Text.RegularExpressions;

namespace Gatehouse.Harness;

/// <summary>The TXT record of a signing key as <c>signingkeys dns</c> prints it, for a test's dnsmasq to serve.</summary>
public static partial class DkimRecords
{
    public static async Task<IReadOnlyList<string>> StringsAsync(ManagerInstance m, string key, string domain, string selector)
    {
        var line = (await m.CliAsync("signingkeys", "dns", key, "--domain", domain, "--selector", selector)).Succeeded().Output;
        return [.. Quoted().Matches(line).Select(x => x.Groups[1].Value)];
    }

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Quoted();
}
