using System.Text.RegularExpressions;

namespace Gatehouse.Node.Messages;

/// <summary>Parses <c>FROM:&lt;a@b&gt; PARAM=V…</c> and <c>TO:&lt;a@b&gt;</c> arguments (RFC 5321 section 4.1.2).</summary>
internal static partial class MailAddress
{
    public static bool TryParse(string arguments, string prefix, out string address, out Dictionary<string, string> parameters)
    {
        address = "";
        parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var match = PathPattern().Match(arguments);
        if (!match.Success || !string.Equals(match.Groups["prefix"].Value, prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        address = match.Groups["address"].Value;
        if (address.Length > 0 && !AddressPattern().IsMatch(address))
        {
            return false;
        }

        foreach (var parameter in match.Groups["params"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            parameters[equals < 0 ? parameter : parameter[..equals]] = equals < 0 ? "" : parameter[(equals + 1)..];
        }

        return true;
    }

    public static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..];

    [GeneratedRegex(@"^(?<prefix>FROM|TO):\s*<(?<address>[^<>\s]*)>(?<params>(\s+\S+)*)\s*\z", RegexOptions.IgnoreCase)]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^[^@\s""(),:;<>\[\]\\]{1,64}@[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\z")]
    private static partial Regex AddressPattern();
}
