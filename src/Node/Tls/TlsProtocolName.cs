using System.Security.Authentication;

namespace Gatehouse.Node.Tls;

/// <summary>A TLS version as OpenSSL and the appliance's logs write it: <c>TLSv1.3</c>.</summary>
internal static class TlsProtocolName
{
    public static string Of(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}
