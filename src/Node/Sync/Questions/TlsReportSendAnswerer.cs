using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.Reporting;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>Sending one of the cluster's TLS reports to the rua of its policy domain.</summary>
internal sealed class TlsReportSendAnswerer(TlsReportSender sender) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.TlsReportSend;

    public async Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel) =>
        answer.TlsReportSent = await sender.SendAsync(query.TlsReportSend, cancel);
}
