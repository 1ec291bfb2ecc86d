using Gatehouse.Cluster.V1;

namespace Gatehouse.Cluster.Alerts;

/// <summary>
/// The alert about a destination that failed the TLS it requires: the same key and words whether
/// a node mails it itself or the manager mails it once for the cluster.
/// </summary>
public static class RequiredTlsAlert
{
    /// <summary>What one node may say of why (a receiver's answer is cut here, not refused).</summary>
    public const int MaxReason = 500;

    public static string Key(string domain) => $"required-tls/{domain}";

    public static string Text(string domain, string reason) =>
        $"TLS was required for destination domain {domain} but could not be negotiated: {reason}. Messages stay queued and are retried.";

    /// <summary>The report a node sends: the reason on one line of at most <see cref="MaxReason"/> characters.</summary>
    public static RequiredTlsFailure Report(string domain, string reason) => new() { Domain = domain, Reason = OneLine(reason) };

    /// <summary>Control characters become spaces and a long reason is cut: a receiver's words reach an alert.</summary>
    public static string OneLine(string reason)
    {
        var line = string.Concat(reason.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
        return line.Length <= MaxReason ? line : line[..(MaxReason - 1)] + "…";
    }
}
