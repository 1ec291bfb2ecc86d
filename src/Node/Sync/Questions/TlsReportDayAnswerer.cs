using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.Reporting;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>A page of this node's TLS session records of one UTC day, for the cluster's TLS reports.</summary>
internal sealed class TlsReportDayAnswerer(TlsSessionRecorder sessions) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.TlsReportDay;

    public Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        if (!DateOnly.TryParseExact(query.TlsReportDay.Date, "yyyy-MM-dd", out var day) || query.TlsReportDay.Offset < 0)
        {
            answer.Error = "the day is not a date (yyyy-MM-dd) with an offset of 0 or more";
        }
        else
        {
            answer.TlsReportDay = sessions.Page(day, query.TlsReportDay.Offset);
        }

        return Task.CompletedTask;
    }
}
