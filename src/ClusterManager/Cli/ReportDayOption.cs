using System.Globalization;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>The report commands' --date: YYYY-MM-DD, today or yesterday (UTC).</summary>
internal static class ReportDayOption
{
    public static string Day(string text) => text switch
    {
        "today" => DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        "yesterday" => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ when DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) => text,
        _ => throw new CliException("--date: YYYY-MM-DD, today or yesterday"),
    };
}
