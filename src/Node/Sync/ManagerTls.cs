using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster;
using Gatehouse.Cluster.Membership;
using Grpc.Net.Client;

namespace Gatehouse.Node.Sync;

/// <summary>
/// TLS to the manager. At join the node trusts only a CA whose key matches the token's
/// pin; afterwards only the stored cluster CA, and it presents its node certificate.
/// </summary>
internal static class ManagerTls
{
    /// <summary>
    /// Fetches the cluster CA certificate and accepts it only if its key matches the pin. The
    /// fetch itself trusts nothing; the pin is what makes the answer trustworthy.
    /// </summary>
    public static async Task<X509Certificate2> FetchPinnedCaAsync(Uri manager, string pin, CancellationToken cancel)
    {
        using var handler = new SocketsHttpHandler
        {
#pragma warning disable CA5359 // The answer is trusted through the pin check below, not through TLS.
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
#pragma warning restore CA5359
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        using var http = new HttpClient(handler) { BaseAddress = manager, Timeout = TimeSpan.FromSeconds(30) };
        var pem = await http.GetStringAsync(new Uri(CaPin.WellKnownPath, UriKind.Relative), cancel);
        var ca = X509Certificate2.CreateFromPem(pem);
        if (!CaPin.Matches(ca, pin))
        {
            ca.Dispose();
            throw new System.Security.Authentication.AuthenticationException(
                "the manager's cluster CA does not match the CA pinned in the join token (wrong manager, or a token of another cluster)");
        }

        return ca;
    }

    /// <summary>A channel for joining: the manager must chain to the pinned CA; the node has no certificate yet.</summary>
    public static GrpcChannel ForJoin(Uri manager, X509Certificate2 clusterCa) =>
        Channel(manager, null, (certificate, _, errors) => certificate is not null && ChainsTo(certificate, clusterCa, errors));

    public static GrpcChannel ForMember(Uri manager, X509Certificate2 nodeCertificate, X509Certificate2 clusterCa) =>
        Channel(manager, nodeCertificate, (certificate, _, errors) => certificate is not null && ChainsTo(certificate, clusterCa, errors));

    private static GrpcChannel Channel(
        Uri manager, X509Certificate2? clientCertificate, Func<X509Certificate?, X509Chain?, SslPolicyErrors, bool> validate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => validate(certificate, chain, errors),
            },
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Notice a dead manager even when no snapshot is due.
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
        };
        return GrpcChannel.ForAddress(manager, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = StreamLimits.ManagerToNode,
            MaxSendMessageSize = StreamLimits.NodeToManager,
        });
    }

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2 ca, SslPolicyErrors errors)
    {
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var server = new X509Certificate2(certificate);
        return PrivateTrust.Chains(server, PrivateTrust.ServerAuth, ca);
    }
}
