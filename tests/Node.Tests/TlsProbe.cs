using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Tests;

/// <summary>
/// A TLS echo endpoint that takes its certificate from the node's current snapshot at each
/// handshake, the way the node's TLS services do; enough to watch certificates change.
/// </summary>
internal sealed class TlsProbe : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;

    public TlsProbe(CurrentConfig current, string certificateName)
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        accepting = AcceptAsync(current, certificateName);
    }

    public IPEndPoint Endpoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>Connects as a client, trusting anything, and reports the certificate served.</summary>
    public async Task<(SslStream Stream, X509Certificate2 Served)> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(Endpoint);
        X509Certificate2? served = null;
        var stream = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            served = new X509Certificate2(certificate!);
            return true;
        });
        await stream.AuthenticateAsClientAsync("localhost");
        return (stream, served!);
    }

    public static async Task<string> EchoAsync(SslStream stream, string text)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(text);
        await stream.WriteAsync(bytes);
        var buffer = new byte[bytes.Length];
        await stream.ReadExactlyAsync(buffer);
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        stop.Dispose();
    }

    private async Task AcceptAsync(CurrentConfig current, string certificateName)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = ServeAsync(client, current.Snapshot!.Certificate(certificateName)!);
        }
    }

    private static async Task ServeAsync(TcpClient client, Gatehouse.Node.Tls.ServerCertificate certificate)
    {
        using (client)
        await using (var stream = new SslStream(client.GetStream()))
        {
            try
            {
                await stream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = certificate.Context });
                var buffer = new byte[256];
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read));
                }
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
            }
        }
    }
}
