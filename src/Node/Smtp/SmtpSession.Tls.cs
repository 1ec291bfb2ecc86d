using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Smtp;

/// <summary>The session's STARTTLS upgrade (IN-4) and the client certificate check.</summary>
internal sealed partial class SmtpSession
{
    private async Task<bool> UpgradeAsync(CancellationToken cancel)
    {
        var certificate = context.Certificate!;
        var verify = Policy.VerifyClientCertificate;
        var required = Policy.Tls == InboundTls.Required;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate.Context,
            EnabledSslProtocols = context.TlsOffer.Protocols,
            CipherSuitesPolicy = context.TlsOffer.Suites,
            ClientCertificateRequired = verify,
            // Without verification no certificate is asked of the client and none is checked: no
            // callback, so the session's TLS options hold no closure over it.
            RemoteCertificateValidationCallback = verify
                ? (_, presented, chain, _) => presented is null ? !required : ClientCertificateTrusted(new X509Certificate2(presented), chain)
                : null,
        };
        try
        {
            var discarded = await transport.StartTlsAsync(options, cancel);
            if (discarded > 0)
            {
                context.Log.PlaintextAfterStartTls(context.Icid, discarded);
            }
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            // No fall-back to clear text after 220 (IN-4): the connection ends here.
            context.Log.InboundTlsFailed(context.Icid, e.GetBaseException().Message);
            context.Metrics.Tls(TlsDirection.Inbound, succeeded: false, TlsOutcome.Handshake);
            return false;
        }

        var tls = transport.Tls!;
        context.Log.InboundTlsSucceeded(context.Icid, TlsProtocolName.Of(tls.SslProtocol), tls.NegotiatedCipherSuite.ToString());
        context.Metrics.Tls(TlsDirection.Inbound, succeeded: true, TlsOutcome.Negotiated);
        AbortTransaction();
        State = SmtpState.Connected;
        Helo = "";
        return true;
    }

    private bool ClientCertificateTrusted(X509Certificate2 presented, X509Chain? chain)
    {
        var problem = TrustedCas.Problem(presented, context.Snapshot.TrustedCas, PeerCertificates(chain))
            ?? Revocation.Problem(presented, PeerCertificates(chain), context.Snapshot.RevocationLists);
        if (problem is not null)
        {
            context.Log.ClientCertificateNotVerified(context.Icid, presented.Subject, problem);
        }

        return problem is null;
    }

    // What the client sent besides its leaf: SslStream puts it in the chain it built.
    private static IEnumerable<X509Certificate2> PeerCertificates(X509Chain? chain) =>
        chain is null ? [] : chain.ChainElements.Select(e => e.Certificate).Concat(chain.ChainPolicy.ExtraStore.Cast<X509Certificate2>());
}
