namespace Gatehouse.Node.Smtp.Commands;

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
