namespace Gatehouse.Node.Smtp.Commands;

internal sealed class NoopCommand : ISmtpCommand
{
    public string Verb => "NOOP";

    public SmtpState AllowedIn => SmtpState.Any;

    public bool AllowedBeforeTls => true;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel) => Task.FromResult(SmtpReply.Ok);
}
