using Gatehouse.Cluster.V1;
using Gatehouse.Node.Ldap;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Policy;

namespace Gatehouse.Node.Smtp.Commands;

/// <summary>
/// RCPT TO: the recipient limit, and on public listeners no routing characters in the local
/// part and the RAT unless the policy relays (no open relay). Recipients refused as not taken
/// count against the session (a hard limit, error sleeps) and the client's hour (DHAP).
/// </summary>
internal sealed class RcptCommand : ISmtpCommand
{
    public string Verb => "RCPT";

    public SmtpState AllowedIn => SmtpState.Mail | SmtpState.Recipient;

    public async Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        if (!MailAddress.TryParse(arguments, "TO", out var to, out _) || to.Length == 0)
        {
            return Reply(SmtpCode.ArgumentSyntaxError, "5.1.3", "Syntax: RCPT TO:<address>");
        }

        // Measured at MAIL and again at the first RCPT (the disk may have filled meanwhile), not
        // for every one of thousands of recipients.
        if (session.Recipients.Count == 0 && session.Context.Space.Spare() <= 0)
        {
            return Refuse(session, RefusalReason.StorageLow, SmtpReply.InsufficientStorage);
        }

        if (session.PastHarvestLimit())
        {
            session.Context.Metrics.Refused(session.Context.Listener.Name, RefusalReason.HarvestLimit);
            if (session.Policy.DropAtInvalidRecipientsLimit)
            {
                session.Close();
                return Reply(SmtpCode.ServiceNotAvailable, "4.7.0", "Too many invalid recipients, closing connection");
            }

            return await session.RecipientRefusedAsync(Reply(SmtpCode.MailboxUnavailable, "5.7.1", "Too many invalid recipients"), invalid: false, cancel);
        }

        var limit = session.Policy.MaxRecipientsPerMessage;
        if (limit > 0 && session.Recipients.Count >= limit)
        {
            return Refuse(session, RefusalReason.TooManyRecipients, Reply(SmtpCode.InsufficientStorage, "4.5.3", "Error: too many recipients"));
        }

        if (session.Context.Listener.Type == ListenerType.Public && SourceRouted(to))
        {
            session.Context.Log.RecipientRejectedRouting(session.Mid!.Value, session.Context.Icid, to);
            return await InvalidAsync(session, RefusalReason.SourceRouted, Reply(SmtpCode.MailboxUnavailable, "5.7.1", $"<{to}>: Relay access denied"), cancel);
        }

        var relays = session.Policy.Behavior == PolicyBehavior.Relay;
        if (!relays && !RecipientAccess.Accepts(session.Context.Listener, to))
        {
            session.Context.Log.RecipientRejectedByRat(session.Mid!.Value, session.Context.Icid, to);
            return await InvalidAsync(session, RefusalReason.RelayDenied, Reply(SmtpCode.MailboxUnavailable, "5.7.1", $"<{to}>: Relay access denied"), cancel);
        }

        if (!relays && await DirectoryRefusalAsync(session, to, cancel) is { } refused)
        {
            return refused;
        }

        session.AddRecipient(to);
        return Reply(SmtpCode.Ok, "2.1.5", "Ok");
    }

    /// <summary>The listener's LDAP accept query (SVC-2); null when the recipient may be accepted.</summary>
    private static async Task<SmtpReply?> DirectoryRefusalAsync(SmtpSession session, string to, CancellationToken cancel)
    {
        var context = session.Context;
        var name = context.Listener.LdapAcceptProfile;
        if (name.Length == 0 || context.Snapshot.Config.LdapProfiles.FirstOrDefault(p => p.Name == name) is not { } profile)
        {
            return null;
        }

        var answer = await context.Directory.CheckAsync(context.Snapshot, profile, to, cancel);
        switch (answer.Verdict)
        {
            case DirectoryVerdict.Unknown:
                context.Log.RecipientRejectedByLdap(session.Mid!.Value, context.Icid, to, name);
                return await InvalidAsync(session, RefusalReason.LdapUnknown, Reply(SmtpCode.MailboxUnavailable, "5.1.1", $"<{to}>: Recipient address rejected: User unknown"), cancel);
            case DirectoryVerdict.Unavailable:
                context.Log.RecipientDeferredLdap(session.Mid!.Value, context.Icid, to, name, answer.Detail);
                return Refuse(session, RefusalReason.LdapUnavailable,
                    Reply(SmtpCode.LocalError, "4.4.3", $"<{to}>: Recipient address verification failed: directory unavailable, try again later"));
            default:
                return null;
        }
    }

    // "user%inner@our.domain" and "inner!user@our.domain" would have an inner MTA relay for
    // outsiders (the percent hack); Postfix refuses them too (allow_untrusted_routing = no).
    private static bool SourceRouted(string address) =>
        address.AsSpan(0, address.LastIndexOf('@')).IndexOfAny('%', '!') >= 0;

    // A recipient the node does not take: it counts against the session and the client's hour.
    private static Task<SmtpReply> InvalidAsync(SmtpSession session, RefusalReason reason, SmtpReply reply, CancellationToken cancel) =>
        session.RecipientRefusedAsync(Refuse(session, reason, reply), invalid: true, cancel);

    private static SmtpReply Refuse(SmtpSession session, RefusalReason reason, SmtpReply reply)
    {
        session.Context.Metrics.Refused(session.Context.Listener.Name, reason);
        return reply;
    }

    private static SmtpReply Reply(SmtpCode code, string enhanced, string text) => new(code, enhanced, text);
}
