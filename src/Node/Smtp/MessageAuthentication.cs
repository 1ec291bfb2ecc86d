using System.Globalization;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Authentication;
using Gatehouse.Node.Authentication.Dmarc;
using Gatehouse.Node.Authentication.Spf;
using Gatehouse.Node.Dkim;
using MimeKit;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// The checks a policy asks for on a message just received, and its signature: the SPF result
/// from MAIL FROM, DKIM verification, DMARC from both, the ARC chain, then DKIM signing and ARC
/// sealing. Gives the header lines to add (Authentication-Results, the tag verdict, the ARC set,
/// DKIM-Signature, after those already added),
/// or the refusal a DMARC fail or a DNS failure calls for.
/// </summary>
internal static class MessageAuthentication
{
    public sealed record Decision(IReadOnlyList<string> Added, SmtpReply? Refusal = null);

    public static async Task<Decision> DecideAsync(SmtpSession session, long mid, IReadOnlyList<string> added, CancellationToken cancel)
    {
        var (context, policy) = (session.Context, session.Policy);
        var verify = policy.Verify ?? new InboundVerification();
        var results = new List<string>();
        var verdicts = new List<string>();
        if (session.Spf is { } spf)
        {
            results.Add(spf.AuthenticationResult(session.MailFrom, session.Helo));
            if (spf.Result == SpfResult.Fail && verify.SpfFail == VerificationAction.Tag)
            {
                verdicts.Add("spf=fail");
            }
        }

        if (!verify.Dkim && !verify.Arc && !policy.DkimSign)
        {
            return new(Headers(session, results, verdicts, added));
        }

        using var message = MimeMessage.Load(context.Spool.DataPath(mid), cancel);
        if (verify.Dkim)
        {
            var checks = await DkimVerification.CheckAsync(message, new DnsKeyLocator(context.Services.Dns.Current()), context.Time.GetUtcNow(), cancel);
            context.Log.DkimVerified(mid, string.Join(", ", checks.Select(c => c.LogText)));
            results.AddRange(checks.Select(c => c.AuthenticationResult));
            if (verify.Dmarc)
            {
                var dmarc = await DmarcCheck.CheckAsync(FromDomains(message), session.Spf, session.MailFrom, session.Helo, checks,
                    new SpfDns(context.Services.Dns.Current()), context.Services.Suffixes, Random.Shared.Next(100), cancel);
                context.Log.DmarcChecked(mid, Logging.MailLog.Escape(dmarc.LogText));
                results.Add(dmarc.AuthenticationResult);
                var refusal = Refusal(session, mid, verify, dmarc);
                context.Services.DmarcResults.Record(dmarc, context.Remote.Address, session.MailFrom, session.Helo, session.Spf, checks, refusal is { Code: SmtpCode.MailboxUnavailable });
                if (refusal is not null)
                {
                    return new(added, refusal);
                }

                if (dmarc is { Result: "fail", Disposition: "reject" or "quarantine" } && verify.DmarcFail != VerificationAction.None && verify.DmarcFail != VerificationAction.Unspecified)
                {
                    verdicts.Add("dmarc=fail");
                }
            }
        }

        if (verify.Arc)
        {
            var arc = await ArcVerification.CheckAsync(message, new DnsKeyLocator(context.Services.Dns.Current()), cancel);
            context.Log.ArcVerified(mid, arc.LogText);
            results.Add(arc.AuthenticationResult);
        }

        if (policy.DkimSign)
        {
            var signature = MessageSigning.Sign(context.Snapshot.Config, message);
            context.Log.DkimSigning(mid, signature.Detail);
            added = signature.Header is { } line ? [.. added, line] : added;
        }

        if (verify.ArcSeal.Length > 0)
        {
            var seal = ArcSealing.Apply(context.Snapshot.Config, verify.ArcSeal, message, $"{session.HostName}; {string.Join("; ", results)}");
            context.Log.ArcSealed(mid, seal.Detail);
            added = seal.Headers is { } set ? [.. set, .. added] : added;
        }

        return new(Headers(session, results, verdicts, added));
    }

    // Refused as the domain asks (reject), or deferred while its policy cannot be had.
    private static SmtpReply? Refusal(SmtpSession session, long mid, InboundVerification verify, DmarcResult dmarc)
    {
        if (dmarc is { Result: "fail", Disposition: "reject" } && verify.DmarcFail == VerificationAction.Reject)
        {
            session.Context.Log.DmarcRefused(mid, dmarc.FromDomain ?? "");
            return new SmtpReply(SmtpCode.MailboxUnavailable, "5.7.1", $"Email rejected per DMARC policy for {dmarc.FromDomain}");
        }

        if (dmarc.Result == "temperror" && verify.TemporaryError == TemporaryErrorAction.Defer)
        {
            session.Context.Log.DmarcDeferred(mid, dmarc.FromDomain ?? "");
            return new SmtpReply(SmtpCode.LocalError, "4.7.0", "DMARC policy lookup failed: try again later");
        }

        return null;
    }

    private static IReadOnlyList<string> Headers(SmtpSession session, List<string> results, List<string> verdicts, IReadOnlyList<string> added) =>
        results.Count == 0
            ? added
            : [AuthenticationResultsHeader.Format(session.HostName, results), .. verdicts.Select(AuthenticationResultsHeader.Verdict), .. added];

    // Each address of each From header, its domain in A-labels (DMARC's policy lookup is in DNS).
    private static List<string> FromDomains(MimeMessage message)
    {
        var idn = new IdnMapping();
        return message.Headers.Where(h => h.Id == HeaderId.From)
            .SelectMany(h => InternetAddressList.TryParse(h.Value, out var list) ? list.Mailboxes : [])
            .Select(m => { try { return idn.GetAscii(m.Domain); } catch (ArgumentException) { return ""; } })
            .ToList();
    }
}
