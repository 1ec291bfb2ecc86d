using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Node.Tls;

/// <summary>
/// A certificate of the effective configuration, loaded once per snapshot: the leaf with its
/// key and the context that sends the intermediates in every handshake.
/// </summary>
internal sealed record ServerCertificate(string Name, X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Intermediates, bool Demo)
{
    public SslStreamCertificateContext Context { get; } =
        SslStreamCertificateContext.Create(Leaf, [.. Intermediates], offline: true);
}
