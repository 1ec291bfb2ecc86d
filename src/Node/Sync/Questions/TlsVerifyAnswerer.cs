using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Node.Delivery;

namespace Gatehouse.Node.Sync.Questions;

/// <summary><c>tlsverify DOMAIN</c>: one delivery attempt's TLS, as the mail log records it.</summary>
internal sealed class TlsVerifyAnswerer(TlsVerifier verifier) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.TlsVerifyDomain;

    public async Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        if (!HostNameSyntax.IsValid(query.TlsVerifyDomain))
        {
            answer.Error = "the domain is not a host name";
            return;
        }

        answer.TlsVerify = await verifier.RunAsync(query.TlsVerifyDomain, cancel);
    }
}
