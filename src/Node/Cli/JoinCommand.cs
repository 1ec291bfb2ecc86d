using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.Membership;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Files;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Sync;
using Grpc.Core;

namespace Gatehouse.Node.Cli;

/// <summary>
/// <c>gatehouse-node join</c> (CL-2): a new key pair, a CSR sent with the one-time token to
/// a manager whose CA matches the token's pin, and the signed node certificate stored.
/// </summary>
internal static class JoinCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<Uri> managers, string tokenText, string name, NodePaths paths, CancellationToken cancel)
    {
        if (NodeIdentity.Exists(paths))
        {
            throw new NodeCliException($"{paths.DataDir} already holds a cluster membership; run 'gatehouse-node leave' first");
        }

        if (!JoinToken.TryParse(tokenText, out var token))
        {
            throw new NodeCliException("the join token is malformed; copy the last line printed by 'gatehouse-manager token create'");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(name);
        var csr = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        X509Certificate2 ca;
        JoinResponse response;
        try
        {
            ca = await ManagerTls.FetchPinnedCaAsync(managers[0], token.CaPin, cancel);
        }
        catch (Exception e) when (e is HttpRequestException or System.Security.Authentication.AuthenticationException or TaskCanceledException or CryptographicException)
        {
            throw new NodeCliException($"cannot join through {managers[0]}: {e.Message}");
        }

        using (ca)
        using (var channel = ManagerTls.ForJoin(managers[0], ca))
        {
            try
            {
                response = await new NodeService.NodeServiceClient(channel).JoinAsync(
                    new JoinRequest { Token = tokenText.Trim(), NodeName = name, CsrPem = csr }, cancellationToken: cancel);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                throw new NodeCliException($"join refused: {e.Status.Detail}");
            }
            catch (RpcException e)
            {
                throw new NodeCliException($"cannot join through {managers[0]}: {e.Status.Detail}");
            }
        }

        using var issued = X509Certificate2.CreateFromPem(response.NodeCertificatePem);
        using var returnedCa = X509Certificate2.CreateFromPem(response.ClusterCaPem);
        if (!CaPin.Matches(returnedCa, token.CaPin) || issued.GetECDsaPublicKey()?.ExportSubjectPublicKeyInfo() is not { } issuedKey
            || !issuedKey.AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new NodeCliException("the manager's answer does not match the pinned CA or this node's key; nothing was saved");
        }

        // A new membership starts clean: nothing of an earlier one may be applied (CL-3).
        if (Directory.Exists(Path.GetDirectoryName(paths.LastGood)))
        {
            Directory.Delete(Path.GetDirectoryName(paths.LastGood)!, recursive: true);
        }

        AtomicFile.Write(paths.Key, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), privateFile: true);
        AtomicFile.Write(paths.Certificate, System.Text.Encoding.ASCII.GetBytes(response.NodeCertificatePem));
        AtomicFile.Write(paths.ClusterCa, System.Text.Encoding.ASCII.GetBytes(response.ClusterCaPem));
        new NodeIdentity(name, managers).Save(paths);
        Console.WriteLine($"Joined the cluster as {name}. Start the node with: gatehouse-node run --data-dir {paths.DataDir}");
        return 0;
    }
}
