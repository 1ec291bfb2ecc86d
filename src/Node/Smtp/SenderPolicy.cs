using Gatehouse.Cluster.V1;
using Gatehouse.Node.Authentication.Spf;
using Gatehouse.Node.Logging;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// SPF at MAIL FROM, under a policy that checks it: the outcome the transaction keeps for its
/// Authentication-Results, or the refusal the policy's action asks for (RFC 7372's codes).
/// </summary>
internal static class SenderPolicy
{
    public sealed record Decision(SpfOutcome Outcome, SmtpReply? Refusal = null);

    public static async Task<Decision> CheckAsync(SmtpSession session, string from, CancellationToken cancel)
    {
        var context = session.Context;
        var verify = session.Policy.Verify;
        var outcome = await SpfCheck.CheckAsync(new SpfDns(context.Services.Dns.Current()), context.Remote.Address, session.Helo, from, session.HostName,
            context.Time.GetUtcNow(), cancel);
        var reason = MailLog.Escape(outcome.Reason);
        if (outcome.Result == SpfResult.Fail && verify.SpfFail == VerificationAction.Reject)
        {
            context.Log.SpfRefused(context.Icid, reason);
            return new(outcome, new SmtpReply(SmtpCode.MailboxUnavailable, "5.7.23", "SPF validation failed: the sender's domain does not allow this host to send its mail"));
        }

        if (outcome.Result == SpfResult.TempError && verify.TemporaryError == TemporaryErrorAction.Defer)
        {
            context.Log.SpfDeferred(context.Icid, reason);
            return new(outcome, new SmtpReply(SmtpCode.LocalError, "4.7.24", "SPF validation error: try again later"));
        }

        return new(outcome);
    }
}
