using System.Globalization;
using System.Text.Json.Serialization;
using Gatehouse.Cluster.TlsRpt;

namespace Gatehouse.ClusterManager.TlsReports;

/// <summary>An aggregate TLS report as RFC 8460 §4.4 lays it out: one per policy domain and day, for the whole cluster.</summary>
internal sealed record TlsReportDocument(
    [property: JsonPropertyName("organization-name")] string OrganizationName,
    [property: JsonPropertyName("date-range")] ReportDateRange DateRange,
    [property: JsonPropertyName("contact-info")] string ContactInfo,
    [property: JsonPropertyName("report-id")] string ReportId,
    [property: JsonPropertyName("policies")] IReadOnlyList<PolicyRecord> Policies);

internal sealed record ReportDateRange(
    [property: JsonPropertyName("start-datetime")] string Start,
    [property: JsonPropertyName("end-datetime")] string End)
{
    /// <summary>A UTC day, or the part of it until <paramref name="now"/> when it is today.</summary>
    public static ReportDateRange Of(DateOnly date, DateTimeOffset now)
    {
        var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = start.AddDays(1).AddSeconds(-1);
        return new ReportDateRange(Format(start), Format(end < now ? end : now));
    }

    public DateTimeOffset StartAt => DateTimeOffset.Parse(Start, CultureInfo.InvariantCulture);

    public DateTimeOffset EndAt => DateTimeOffset.Parse(End, CultureInfo.InvariantCulture);

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
