namespace Gatehouse.Node.Smtp.Commands;

internal sealed class HeloCommand : ISmtpCommand
{
    public string Verb => "HELO";

    public SmtpState AllowedIn => SmtpState.Any;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        if (!HeloName.IsValid(arguments))
        {
            return Task.FromResult(new SmtpReply(SmtpCode.ArgumentSyntaxError, "5.5.4", "Syntax: HELO hostname or [address]"));
        }

        session.Greet(arguments, extended: false);
        return Task.FromResult(new SmtpReply(SmtpCode.Ok, "", session.HostName));
    }
}
