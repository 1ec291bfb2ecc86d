using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Node.Tls;

/// <summary>
/// A certificate of the effective configuration, loaded once per snapshot: the leaf with its
/// key and the context that sends the intermediates in every handshake. A certificate this node
/// does not use comes without its key (the manager keeps it) and has no context.
/// </summary>
internal sealed record ServerCertificate(string Name, X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Intermediates, bool Demo)
{
    private readonly SslStreamCertificateContext? context =
        Leaf.HasPrivateKey ? SslStreamCertificateContext.Create(Leaf, [.. Intermediates], offline: true) : null;

    public SslStreamCertificateContext Context =>
        context ?? throw new InvalidOperationException($"certificate {Name} came without its private key: this node does not use it");
}
