namespace Gatehouse.Node.Smtp.Commands;

/// <summary>STARTTLS (RFC 3207): only when offered, only outside a transaction.</summary>
internal sealed class StartTlsCommand : ISmtpCommand
{
    public string Verb => "STARTTLS";

    public SmtpState AllowedIn => SmtpState.Connected | SmtpState.Greeted;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        if (session.IsTls)
        {
            return Task.FromResult(new SmtpReply(SmtpCode.BadSequence, "5.5.1", "Error: TLS already active"));
        }

        if (!session.OffersStartTls)
        {
            return Task.FromResult(new SmtpReply(SmtpCode.NotImplemented, "5.5.1", "Error: STARTTLS not offered"));
        }

        if (arguments.Length > 0)
        {
            return Task.FromResult(new SmtpReply(SmtpCode.ArgumentSyntaxError, "5.5.4", "Syntax: STARTTLS"));
        }

        session.RequestTls();
        return Task.FromResult(new SmtpReply(SmtpCode.ServiceReady, "2.0.0", "Ready to start TLS"));
    }
}
