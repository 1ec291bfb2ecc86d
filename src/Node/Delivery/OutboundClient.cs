using System.Net.Security;
using Gatehouse.Configuration.Tls;
using MailKit.Net.Smtp;
using MimeKit;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// MailKit's client as a relay needs it: recipients refused one by one are recorded instead
/// of failing the whole message, the message goes out as it was received, and the client
/// certificate is sent with its intermediates.
/// </summary>
/// <param name="offer">The destination's TLS policy; null for the default policy (OpenSSL's configuration, see OpenSslDefaults).</param>
internal sealed class OutboundClient(ReplyRecorder recorder, SslStreamCertificateContext? clientCertificate, TlsOffer? offer) : SmtpClient(recorder)
{
    public Dictionary<string, SmtpResponse> RefusedRecipients { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ReplyRecorder Recorder => recorder;

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RefusedRecipients[mailbox.Address] = response;

    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        // A relay passes the message on unchanged.
    }

    protected override SslClientAuthenticationOptions GetSslClientAuthenticationOptions(string host, RemoteCertificateValidationCallback remoteCertificateValidationCallback)
    {
        var options = base.GetSslClientAuthenticationOptions(host, remoteCertificateValidationCallback);
        if (clientCertificate is not null)
        {
            options.ClientCertificates = null;
            options.ClientCertificateContext = clientCertificate;
        }

        if (offer is not null)
        {
            options.EnabledSslProtocols = offer.Protocols;
            options.CipherSuitesPolicy = offer.Suites;
        }

        return options;
    }
}
