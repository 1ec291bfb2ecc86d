using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.Reporting;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>A page of this node's TLS session records of one UTC day, for the cluster's TLS reports.</summary>
internal sealed class TlsReportDayAnswerer(TlsSessionRecorder sessions) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.TlsReportDay;

    public Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        if (ReportDay.Of(query.TlsReportDay) is { } day)
        {
            answer.TlsReportDay = sessions.Page(day, query.TlsReportDay.Offset);
        }
        else
        {
            answer.Error = ReportDay.Refusal;
        }

        return Task.CompletedTask;
    }
}
