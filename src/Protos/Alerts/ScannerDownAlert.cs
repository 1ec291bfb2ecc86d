using System.Text.RegularExpressions;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Cluster.Alerts;

/// <summary>
/// The alert about a content scanner that gives no verdicts: the same key and words whether a
/// node mails it itself or the manager mails it once for the cluster.
/// </summary>
public static partial class ScannerDownAlert
{
    public static string Key(string scanner) => $"scanner-down/{scanner}";

    public static string Text(string scanner, string reason) =>
        $"Content scanner {scanner} gives no verdicts: {reason}. Its on_failure applies to the mail meanwhile; it is tried again every 30 seconds.";

    public static ScannerDown Report(string scanner, string reason) => new() { Scanner = scanner, Reason = RequiredTlsAlert.OneLine(reason) };

    /// <summary>A scanner name as a node may report it: an entity name, nothing to break a subject line.</summary>
    public static bool IsName(string scanner) => Name().IsMatch(scanner);

    [GeneratedRegex(@"\A[A-Za-z0-9_.+@-]{1,128}\z")]
    private static partial Regex Name();
}
