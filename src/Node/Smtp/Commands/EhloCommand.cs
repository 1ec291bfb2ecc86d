namespace Gatehouse.Node.Smtp.Commands;

internal sealed class EhloCommand : ISmtpCommand
{
    public string Verb => "EHLO";

    public SmtpState AllowedIn => SmtpState.Any;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        if (!HeloName.IsValid(arguments))
        {
            return Task.FromResult(new SmtpReply(SmtpCode.ArgumentSyntaxError, "5.5.4", "Syntax: EHLO hostname or [address]"));
        }

        session.Greet(arguments, extended: true);
        var lines = new List<string> { session.HostName, "PIPELINING" };
        if (session.Policy.MaxMessageSizeBytes > 0)
        {
            lines.Add($"SIZE {session.Policy.MaxMessageSizeBytes}");
        }
        else
        {
            lines.Add("SIZE");
        }

        if (session.OffersStartTls)
        {
            lines.Add("STARTTLS");
        }

        // Only inside TLS (RFC 8689): a sender may ask for it only on a session that has it.
        if (session.IsTls)
        {
            lines.Add("REQUIRETLS");
        }

        lines.Add("ENHANCEDSTATUSCODES");
        lines.Add("8BITMIME");
        return Task.FromResult(new SmtpReply(SmtpCode.Ok, "", [.. lines]));
    }
}
