using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.Membership;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Admits a node: checks its token, signs its CSR, registers it (CL-2). Nothing is signed and
/// nothing is written before the token has proved itself.
/// </summary>
internal sealed class JoinService(IManagerStore store, ClusterCa ca, AuditLog audit, JoinRefusals refusals, TimeProvider time)
{
    public async Task<JoinResponse> JoinAsync(JoinRequest request, string peer, CancellationToken cancel = default)
    {
        if (!NodeNames.IsValid(request.NodeName))
        {
            throw new JoinRefusedException($"'{request.NodeName}' is not a valid node name ({NodeNames.Rule})");
        }

        if (!JoinToken.TryParse(request.Token, out var token))
        {
            throw new JoinRefusedException("the join token is malformed; copy the last line printed by 'gatehouse-manager token create'");
        }

        if (token.CaPin != ca.Pin)
        {
            throw new JoinRefusedException("the join token was made for another cluster CA");
        }

        if (NodeNames.IsManagerName(request.NodeName))
        {
            throw new JoinRefusedException($"'{request.NodeName}' is a name of the manager; choose another node name");
        }

        CertificateRequest csr;
        try
        {
            csr = ClusterCa.ReadSigningRequest(request.CsrPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new JoinRefusedException($"the certificate signing request is not valid: {e.Message}");
        }

        if (await store.GetNodeAsync(request.NodeName, cancel) is not null)
        {
            throw new JoinRefusedException(
                $"a node named '{request.NodeName}' is already a member; remove it first with 'gatehouse-manager nodes remove {request.NodeName}'");
        }

        var verdict = await store.TryUseJoinTokenAsync(token.Id, token.SecretHash, request.NodeName, time.GetUtcNow(), cancel);
        if (verdict != TokenUse.Accepted)
        {
            await refusals.RecordAsync(verdict, token.Id, request.NodeName, peer, cancel);
            throw new JoinRefusedException(verdict switch
            {
                TokenUse.Expired => "the join token has expired; create a new one with 'gatehouse-manager token create'",
                TokenUse.AlreadyUsed => "the join token was already used; create a new one with 'gatehouse-manager token create'",
                _ => "the join token is not valid for this cluster",
            });
        }

        using (var certificate = ca.SignNode(csr, request.NodeName, time))
        {
            await store.SaveNodeAsync(new NodeRecord
            {
                Name = request.NodeName,
                CertificateSerial = certificate.SerialNumber,
                JoinedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                Address = peer,
            }, cancel);
            await audit.RecordAsync($"node {request.NodeName}", "join", $"joined from {peer} with token {token.Id}, certificate {certificate.SerialNumber}", cancel);
            return new JoinResponse
            {
                NodeCertificatePem = certificate.ExportCertificatePem(),
                ClusterCaPem = ca.CertificatePem,
            };
        }
    }
}

/// <summary>A join that must not go ahead; the message is for the admin at the node.</summary>
internal sealed class JoinRefusedException : Exception
{
    public JoinRefusedException()
    {
    }

    public JoinRefusedException(string message)
        : base(message)
    {
    }

    public JoinRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
