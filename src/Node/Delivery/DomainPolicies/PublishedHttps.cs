using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using DnsClient;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>
/// HTTPS to hosts a receiving domain names (its MTA-STS policy host, its TLS report endpoint):
/// found through the node's own DNS servers like the MX hosts, the certificate verified against
/// the node's trusted CAs for that host name, no redirects, no proxy, no cookies, and a response
/// held to <paramref name="maxResponseBytes"/> when read whole.
/// </summary>
internal static class PublishedHttps
{
    public static HttpClient Client(DnsClients dns, NodeSnapshot snapshot, string host, int maxResponseBytes, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = async (context, token) => await ConnectAsync(dns, context.DnsEndPoint, token),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                    PeerVerification.Problem(presented, chain as System.Security.Cryptography.X509Certificates.X509Chain, snapshot.TrustedCas, [host]) is null,
            },
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout, MaxResponseContentBufferSize = maxResponseBytes };
    }

    private static async ValueTask<Stream> ConnectAsync(DnsClients dns, DnsEndPoint endpoint, CancellationToken cancel)
    {
        var answer = await dns.Current().QueryAsync(endpoint.Host, QueryType.A, cancellationToken: cancel);
        var address = answer.Answers.ARecords().Select(r => r.Address).FirstOrDefault()
            ?? throw new HttpRequestException($"no address for {endpoint.Host}");
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancel);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
