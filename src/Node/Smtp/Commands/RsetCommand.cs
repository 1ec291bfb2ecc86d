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
