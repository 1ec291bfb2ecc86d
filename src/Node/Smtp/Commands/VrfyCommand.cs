namespace Gatehouse.Node.Smtp.Commands;

/// <summary>VRFY does not disclose mailboxes (RFC 5321 section 3.5.3).</summary>
internal sealed class VrfyCommand : ISmtpCommand
{
    public string Verb => "VRFY";

    public SmtpState AllowedIn => SmtpState.Any;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel) =>
        Task.FromResult(new SmtpReply(SmtpCode.CannotVerify, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"));
}
