using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using Gatehouse.Node.Ldap;

namespace Gatehouse.Node.Tests.Ldap;

/// <summary>A directory's answer, byte for byte from a fake server: a malformed one is an LDAP error, never a crash.</summary>
public sealed class LdapSessionTests
{
    [Theory]
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x00, 0x00 })]
    [InlineData(new byte[] { 0xFF })]
    public async Task A_result_code_that_fits_no_int_is_a_malformed_answer(byte[] code)
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var answering = AnswerBindAsync(server, code);
        await using var session = await LdapSession.ConnectAsync("127.0.0.1", ((IPEndPoint)server.LocalEndpoint).Port, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<LdapException>(() => session.BindAsync("cn=gatehouse", "secret", CancellationToken.None));
        Assert.Contains("result code out of range", refused.Message, StringComparison.Ordinal);
        await answering;
    }

    // Reads the bind request and answers message 1 with a BindResponse carrying the code given.
    private static async Task AnswerBindAsync(TcpListener server, byte[] code)
    {
        using var client = await server.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var request = new byte[4096];
        _ = await stream.ReadAsync(request);
        var writer = new AsnWriter(AsnEncodingRules.BER);
        writer.PushSequence();
        writer.WriteInteger(1);
        var bindResponse = new Asn1Tag(TagClass.Application, 1, isConstructed: true);
        writer.PushSequence(bindResponse);
        writer.WriteEncodedValue([0x0A, (byte)code.Length, .. code]);
        writer.WriteOctetString([]);
        writer.WriteOctetString([]);
        writer.PopSequence(bindResponse);
        writer.PopSequence();
        await stream.WriteAsync(writer.Encode());
        await stream.FlushAsync();
        await Task.Delay(200);
    }
}
