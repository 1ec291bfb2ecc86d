using System.Globalization;
using System.Net;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Content scanners: where each listens, how long and how much it is given, and what mail gets
/// while it cannot judge.
/// </summary>
public sealed class ContentScannerRule : IConfigRule
{
    public const uint MaxTimeoutSeconds = 300;

    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var scanner in config.Config.ContentScanners)
        {
            var path = $"content_scanners[{scanner.Name}]";
            switch (scanner.Type)
            {
                case ScannerType.Rspamd or ScannerType.Clamd or ScannerType.Milter:
                    break;
                default:
                    errors.Add($"{path}.type", "is required (rspamd, clamd or milter)");
                    break;
            }

            if (Endpoint(scanner.Address) is null)
            {
                errors.Add($"{path}.address", $"'{LevelShapeRule.Printable(scanner.Address)}' is not host:port or [address]:port");
            }

            if (scanner.TimeoutSeconds > MaxTimeoutSeconds)
            {
                errors.Add($"{path}.timeout_seconds", $"at most {MaxTimeoutSeconds} (the SMTP client waits that long for its answer)");
            }

            if (scanner.OnFound != ScanFoundAction.Unspecified && scanner.Type != ScannerType.Clamd)
            {
                errors.Add($"{path}.on_found", "is clamd's (rspamd's actions and a milter's replies are their own)");
            }

            if (scanner.OnFailure == ScanFailureAction.Unspecified)
            {
                errors.Add($"{path}.on_failure", "is required (accept, tag or defer)");
            }
        }
    }

    /// <summary>The host (name or address) and port of host:port or [address]:port; null when it is neither.</summary>
    public static (string Host, int Port)? Endpoint(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return null;
        }

        var host = address[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return IPAddress.TryParse(host[1..^1], out _) ? (host[1..^1], port) : null;
        }

        return IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork || HostNameSyntax.IsValid(host)
            ? (host, port) : null;
    }
}
