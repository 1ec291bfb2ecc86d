using System.Globalization;

namespace Gatehouse.ClusterManager.Reports;

/// <summary>The UTC day a report request names.</summary>
internal static class ReportDays
{
    /// <summary>The day asked for (YYYY-MM-DD), or yesterday (UTC): the day the manager reports on its own.</summary>
    public static DateOnly Of(string? text, TimeProvider time) =>
        string.IsNullOrEmpty(text) ? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1)
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new ClusterConfig.ChangeRejectedException("date: YYYY-MM-DD");
}

/// <summary>The day whose reports to send (YYYY-MM-DD), or yesterday.</summary>
internal sealed record ReportSendRequest(string? Date);
