using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Tests.Tls;

/// <summary>Idle TLS sessions give their record buffers back to OpenSSL, and still carry data afterwards.</summary>
public sealed class OpenSslIdleBuffersTests
{
    [Fact]
    public async Task The_runtime_lets_the_mode_be_set_and_records_of_any_size_still_pass_both_ways()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var accepted = listener.AcceptTcpClientAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var server = await accepted;
        await using var serverTls = new SslStream(server.GetStream());
        await using var clientTls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await Task.WhenAll(
            serverTls.AuthenticateAsServerAsync(SelfSigned()),
            clientTls.AuthenticateAsClientAsync("localhost"));

        // False here means the runtime's SslStream changed and sessions keep their buffers.
        Assert.True(OpenSslIdleBuffers.Release(serverTls));

        foreach (var size in new[] { 5, 70_000, 1 })
        {
            var sent = RandomNumberGenerator.GetBytes(size);
            await clientTls.WriteAsync(sent);
            var received = new byte[size];
            await serverTls.ReadExactlyAsync(received);
            Assert.Equal(sent, received);
            await serverTls.WriteAsync(received);
            await clientTls.ReadExactlyAsync(received);
            Assert.Equal(sent, received);
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
