using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>The day a report question asks about, when it is a date with an offset of 0 or more.</summary>
internal static class ReportDay
{
    public const string Refusal = "the day is not a date (yyyy-MM-dd) with an offset of 0 or more";

    public static DateOnly? Of(ReportDayQuery query) =>
        DateOnly.TryParseExact(query.Date, "yyyy-MM-dd", out var day) && query.Offset >= 0 ? day : null;
}
