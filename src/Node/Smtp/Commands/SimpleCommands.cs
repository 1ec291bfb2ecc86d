namespace Gatehouse.Node.Smtp.Commands;

internal sealed class RsetCommand : ISmtpCommand
{
    public string Verb => "RSET";

    public SmtpState AllowedIn => SmtpState.Any;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        session.ResetTransaction();
        return Task.FromResult(SmtpReply.Ok);
    }
}

internal sealed class NoopCommand : ISmtpCommand
{
    public string Verb => "NOOP";

    public SmtpState AllowedIn => SmtpState.Any;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel) => Task.FromResult(SmtpReply.Ok);
}

internal sealed class QuitCommand : ISmtpCommand
{
    public string Verb => "QUIT";

    public SmtpState AllowedIn => SmtpState.Any;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        session.Close();
        return Task.FromResult(SmtpReply.Bye);
    }
}

/// <summary>VRFY does not disclose mailboxes (RFC 5321 section 3.5.3).</summary>
internal sealed class VrfyCommand : ISmtpCommand
{
    public string Verb => "VRFY";

    public SmtpState AllowedIn => SmtpState.Any;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel) =>
        Task.FromResult(new SmtpReply(SmtpCode.CannotVerify, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"));
}
