using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Alerts;

/// <summary>What the node checks in an alert the manager asks it to mail.</summary>
internal static class ManagerAlert
{
    private const int MaxText = 2000;
    private const int MaxKey = 500;

    /// <summary>Null when the alert can be mailed; otherwise why not.</summary>
    public static string? Problem(AlertToMail alert) =>
        alert.AlertClass == AlertClass.Unspecified || !Enum.IsDefined(alert.AlertClass) ? "the alert has no known class"
        : alert.Severity == AlertSeverity.Unspecified || !Enum.IsDefined(alert.Severity) ? "the alert has no known severity"
        : alert.Key.Length is 0 or > MaxKey ? $"the alert key must have 1 to {MaxKey} characters"
        : alert.Text.Length is 0 or > MaxText ? $"the alert text must have 1 to {MaxText} characters"
        : alert.Text.Any(char.IsControl) ? "the alert text has control characters"
        : null;
}
