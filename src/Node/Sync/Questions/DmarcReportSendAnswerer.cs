using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.Reporting;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>Mailing one of the cluster's DMARC aggregate reports to the rua of its domain.</summary>
internal sealed class DmarcReportSendAnswerer(DmarcReportSender sender) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.DmarcReportSend;

    public async Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel) =>
        answer.DmarcReportSent = await sender.SendAsync(query.DmarcReportSend, cancel);
}
