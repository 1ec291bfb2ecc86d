using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Harness;

/// <summary>An HTTP handler that trusts one CA and nothing else, as admins' tools do with the cluster CA.</summary>
public static class PrivateTrustHandler
{
    /// <param name="intermediates">Issuers between the CA and the server that the server may not send.</param>
    public static SocketsHttpHandler Trusting(X509Certificate2 ca, params X509Certificate2[] intermediates)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(new X509Certificate2(certificate));
        };
        return handler;
    }
}
