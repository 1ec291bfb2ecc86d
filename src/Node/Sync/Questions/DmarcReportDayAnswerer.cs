using Gatehouse.Cluster.V1;
using Gatehouse.Node.Authentication.Dmarc;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>A page of this node's DMARC results of one UTC day, for the cluster's aggregate reports.</summary>
internal sealed class DmarcReportDayAnswerer(DmarcRecorder results) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.DmarcReportDay;

    public Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        if (ReportDay.Of(query.DmarcReportDay) is { } day)
        {
            answer.DmarcReportDay = results.Page(day, query.DmarcReportDay.Offset);
        }
        else
        {
            answer.Error = ReportDay.Refusal;
        }

        return Task.CompletedTask;
    }
}
