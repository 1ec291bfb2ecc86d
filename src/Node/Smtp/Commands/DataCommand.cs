namespace Gatehouse.Node.Smtp.Commands;

internal sealed class DataCommand : ISmtpCommand
{
    public string Verb => "DATA";

    public SmtpState AllowedIn => SmtpState.Recipient;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel) =>
        arguments.Length > 0
            ? Task.FromResult(new SmtpReply(SmtpCode.ArgumentSyntaxError, "5.5.4", "Syntax: DATA"))
            : session.ReceiveMessageAsync(cancel);
}
