using Gatehouse.Cluster.V1;
using Gatehouse.Node.Policy;

namespace Gatehouse.Node.Smtp.Commands;

/// <summary>RCPT TO: the recipient limit, and on public listeners the RAT unless the policy relays (no open relay).</summary>
internal sealed class RcptCommand : ISmtpCommand
{
    public string Verb => "RCPT";

    public SmtpState AllowedIn => SmtpState.Mail | SmtpState.Recipient;

    public Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        if (!MailAddress.TryParse(arguments, "TO", out var to, out _) || to.Length == 0)
        {
            return Reply(SmtpCode.ArgumentSyntaxError, "5.1.3", "Syntax: RCPT TO:<address>");
        }

        var limit = session.Policy.MaxRecipientsPerMessage;
        if (limit > 0 && session.Recipients.Count >= limit)
        {
            return Reply(SmtpCode.InsufficientStorage, "4.5.3", "Error: too many recipients");
        }

        var relays = session.Policy.Behavior == PolicyBehavior.Relay;
        if (!relays && !RecipientAccess.Accepts(session.Context.Listener, to))
        {
            session.Context.Log.Info($"MID {session.Mid} ICID {session.Context.Icid} To: <{to}> Rejected by RAT");
            return Reply(SmtpCode.MailboxUnavailable, "5.7.1", $"<{to}>: Relay access denied");
        }

        session.AddRecipient(to);
        return Reply(SmtpCode.Ok, "2.1.5", "Ok");
    }

    private static Task<SmtpReply> Reply(SmtpCode code, string enhanced, string text) => Task.FromResult(new SmtpReply(code, enhanced, text));
}
