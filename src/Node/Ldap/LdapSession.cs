using System.Formats.Asn1;
using System.Net.Security;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Authentication;
using System.Text;

namespace Gatehouse.Node.Ldap;

/// <summary>
/// One connection to an LDAP server, for the few operations a recipient check needs (RFC 4511):
/// StartTLS, simple bind, a search that asks only whether an entry exists. Requests go one at
/// a time; a server's answer is bounded in size.
/// </summary>
/// <remarks>
/// Why not System.DirectoryServices.Protocols: on Linux it hands TLS to libldap and offers no
/// way to present a client certificate (the technote's "LDAP client certificate") nor to verify
/// the server against the cluster's own trusted CAs per connection; the TLS here is .NET's
/// SslStream, configured like every other TLS peer of the node.
/// </remarks>
internal sealed class LdapSession : IAsyncDisposable
{
    private const int MaxMessageBytes = 1 << 20;
    private const string StartTlsOid = "1.3.6.1.4.1.1466.20037";
    private readonly TcpClient? tcp;
    private Stream stream;
    private int lastId;

    private LdapSession(TcpClient tcp)
    {
        this.tcp = tcp;
        stream = tcp.GetStream();
    }

    /// <summary>A session over a stream of recorded or generated answers (the fuzzing harness).</summary>
    internal LdapSession(Stream stream)
    {
        this.stream = stream;
    }

    public static async Task<LdapSession> ConnectAsync(string host, int port, CancellationToken cancel)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancel);
            return new LdapSession(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>TLS from the first byte (LDAPS), or after a successful StartTLS.</summary>
    public async Task SecureAsync(SslClientAuthenticationOptions options, CancellationToken cancel)
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(options, cancel);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync();
            throw new LdapException($"TLS failed: {e.Message}");
        }

        stream = tls;
    }

    public async Task StartTlsAsync(SslClientAuthenticationOptions options, CancellationToken cancel)
    {
        var id = await SendAsync(w =>
        {
            w.PushSequence(Application(23));
            w.WriteOctetString(Encoding.ASCII.GetBytes(StartTlsOid), new Asn1Tag(TagClass.ContextSpecific, 0));
            w.PopSequence(Application(23));
        }, cancel);
        var (op, result) = await ReceiveAsync(id, cancel);
        Expect(op, 24, "StartTLS");
        result.ThrowUnlessSuccess("StartTLS");
        await SecureAsync(options, cancel);
    }

    public async Task BindAsync(string dn, string password, CancellationToken cancel)
    {
        var id = await SendAsync(w =>
        {
            w.PushSequence(Application(0));
            w.WriteInteger(3);
            w.WriteOctetString(Encoding.UTF8.GetBytes(dn));
            w.WriteOctetString(Encoding.UTF8.GetBytes(password), new Asn1Tag(TagClass.ContextSpecific, 0));
            w.PopSequence(Application(0));
        }, cancel);
        var (op, result) = await ReceiveAsync(id, cancel);
        Expect(op, 1, "bind");
        result.ThrowUnlessSuccess("bind");
    }

    /// <summary>Whether the subtree under <paramref name="baseDn"/> holds an entry matching the (encoded) filter.</summary>
    public async Task<bool> AnyEntryAsync(string baseDn, byte[] filter, int timeLimitSeconds, CancellationToken cancel)
    {
        var id = await SendAsync(w =>
        {
            w.PushSequence(Application(3));
            w.WriteOctetString(Encoding.UTF8.GetBytes(baseDn));
            w.WriteEnumeratedValue(SearchScope.WholeSubtree);
            w.WriteEnumeratedValue(DerefAliases.Never);
            w.WriteInteger(1);
            w.WriteInteger(timeLimitSeconds);
            w.WriteBoolean(true);
            w.WriteEncodedValue(filter);
            w.PushSequence();
            w.WriteOctetString("1.1"u8); // no attributes: existence is the answer
            w.PopSequence();
            w.PopSequence(Application(3));
        }, cancel);
        var found = false;
        while (true)
        {
            var (op, result) = await ReceiveAsync(id, cancel);
            switch (op)
            {
                case 4:
                    found = true;
                    break;
                case 19:
                    break; // a referral elsewhere is not an entry here
                case 5:
                    // One entry asked for: more than one match ends with sizeLimitExceeded.
                    if (found || result.Code is ResultCode.NoSuchObject)
                    {
                        return found;
                    }

                    result.ThrowUnlessSuccess("search");
                    return false;
                default:
                    throw new LdapException($"unexpected answer (operation {op}) to a search");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await SendAsync(w => w.WriteNull(new Asn1Tag(TagClass.Application, 2)), quit.Token);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The connection is going away either way.
        }

        await stream.DisposeAsync();
        tcp?.Dispose();
    }

    private async Task<int> SendAsync(Action<AsnWriter> operation, CancellationToken cancel)
    {
        var id = ++lastId;
        var writer = new AsnWriter(AsnEncodingRules.BER);
        writer.PushSequence();
        writer.WriteInteger(id);
        operation(writer);
        writer.PopSequence();
        await stream.WriteAsync(writer.Encode(), cancel);
        await stream.FlushAsync(cancel);
        return id;
    }

    private async Task<(int Operation, LdapResult Result)> ReceiveAsync(int id, CancellationToken cancel)
    {
        var message = await ReadMessageAsync(cancel);
        try
        {
            var reader = new AsnReader(message, AsnEncodingRules.BER).ReadSequence();
            if (!reader.TryReadInt32(out var messageId))
            {
                throw new LdapException("malformed message id");
            }

            var tag = reader.PeekTag();
            if (messageId == 0)
            {
                throw new LdapException("the server closed the connection (notice of disconnection)");
            }

            if (messageId != id || tag.TagClass != TagClass.Application)
            {
                throw new LdapException($"unexpected answer to request {id}");
            }

            return (tag.TagValue, tag.IsConstructed && tag.TagValue is 1 or 5 or 24 ? LdapResult.Read(reader.ReadSequence(tag)) : LdapResult.None);
        }
        catch (AsnContentException e)
        {
            throw new LdapException($"malformed answer: {e.Message}");
        }
    }

    private async Task<byte[]> ReadMessageAsync(CancellationToken cancel)
    {
        var header = new byte[6];
        await stream.ReadExactlyAsync(header.AsMemory(0, 2), cancel);
        if (header[0] != 0x30)
        {
            throw new LdapException("not an LDAP message");
        }

        var length = (int)header[1];
        var headerLength = 2;
        if (length >= 0x80)
        {
            var count = length & 0x7f;
            if (count is 0 or > 3)
            {
                throw new LdapException("answer too large or of unknown length");
            }

            await stream.ReadExactlyAsync(header.AsMemory(2, count), cancel);
            length = 0;
            for (var i = 0; i < count; i++)
            {
                length = (length << 8) | header[2 + i];
            }

            headerLength += count;
        }

        if (length > MaxMessageBytes)
        {
            throw new LdapException($"answer of {length} bytes refused");
        }

        var message = new byte[headerLength + length];
        header.AsSpan(0, headerLength).CopyTo(message);
        await stream.ReadExactlyAsync(message.AsMemory(headerLength), cancel);
        return message;
    }

    private static void Expect(int operation, int expected, string what)
    {
        if (operation != expected)
        {
            throw new LdapException($"unexpected answer (operation {operation}) to {what}");
        }
    }

    private static Asn1Tag Application(int number) => new(TagClass.Application, number, isConstructed: true);

    private enum SearchScope
    {
        BaseObject = 0,
        SingleLevel = 1,
        WholeSubtree = 2,
    }

    private enum DerefAliases
    {
        Never = 0,
    }

    internal enum ResultCode
    {
        Success = 0,
        SizeLimitExceeded = 4,
        NoSuchObject = 32,
    }

    private sealed record LdapResult(ResultCode Code, string Diagnostic)
    {
        public static readonly LdapResult None = new(ResultCode.Success, "");

        public static LdapResult Read(AsnReader result)
        {
            var code = new BigInteger(result.ReadEnumeratedBytes().Span, isUnsigned: false, isBigEndian: true);
            // RFC 4511 result codes are small: anything else is a server not speaking LDAP.
            if (code < 0 || code > int.MaxValue)
            {
                throw new LdapException("malformed answer: result code out of range");
            }

            result.ReadOctetString(); // matched DN
            var diagnostic = Encoding.UTF8.GetString(result.ReadOctetString());
            return new LdapResult((ResultCode)(int)code, diagnostic);
        }

        public void ThrowUnlessSuccess(string what)
        {
            if (Code != ResultCode.Success)
            {
                var text = Diagnostic.Length > 0 ? $": {LdapException.Printable(Diagnostic)}" : "";
                throw new LdapException($"{what} refused, result {(int)Code}{text}");
            }
        }
    }
}

/// <summary>The directory could not answer: the recipient is neither known nor unknown.</summary>
internal sealed class LdapException(string message) : Exception(message)
{
    /// <summary>A server's text, bounded and without control characters, for the mail log.</summary>
    public static string Printable(string text) =>
        new([.. text.Take(200).Select(c => char.IsControl(c) ? ' ' : c)]);
}
