using System.Globalization;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Authentication;
using Gatehouse.Node.Authentication.Dmarc;
using Gatehouse.Node.Authentication.Spf;
using Gatehouse.Node.Dkim;
using MimeKit;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// The checks a policy asks for on a message just received, and its signature, in two steps
/// around the content scanners: first the SPF result from MAIL FROM, DKIM verification, DMARC
/// from both and the ARC chain, on the message as it arrived, which may refuse it (a DMARC fail,
/// a DNS failure); then, on the message as it will leave (after a scanner's changes), DKIM
/// signing and ARC sealing. Gives the header lines to add: Authentication-Results, the tag
/// verdict, the ARC set, those already added, DKIM-Signature.
/// </summary>
internal static class MessageAuthentication
{
    /// <summary>The results of the checks, and the refusal they call for.</summary>
    public sealed record Checked(IReadOnlyList<string> Results, IReadOnlyList<string> Verdicts, SmtpReply? Refusal = null);

    public static async Task<Checked> CheckAsync(SmtpSession session, long mid, CancellationToken cancel)
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

        if (!verify.Dkim && !verify.Arc)
        {
            return new(results, verdicts);
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
                    return new(results, verdicts, refusal);
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

        return new(results, verdicts);
    }

    /// <summary>
    /// Signs and seals the message as it will be delivered: the stored data with the fields a
    /// scanner removes taken out and the lines added so far put in, as delivery does.
    /// </summary>
    public static IReadOnlyList<string> Sign(SmtpSession session, long mid, Checked checks, IReadOnlyList<string> added, IReadOnlyList<string> removed, CancellationToken cancel)
    {
        var (context, policy) = (session.Context, session.Policy);
        var sealProfile = policy.Verify?.ArcSeal ?? "";
        if (!policy.DkimSign && sealProfile.Length == 0)
        {
            return Headers(session, checks, added);
        }

        using var message = MimeMessage.Load(context.Spool.DataPath(mid), cancel);
        foreach (var field in removed)
        {
            message.Headers.RemoveAll(field);
        }

        foreach (var line in added.Reverse())
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            message.Headers.Insert(Math.Min(1, message.Headers.Count), new Header(line[..colon], line[(colon + 1)..].Trim()));
        }

        if (policy.DkimSign)
        {
            var signature = MessageSigning.Sign(context.Snapshot.Config, message);
            context.Log.DkimSigning(mid, signature.Detail);
            added = signature.Header is { } line ? [.. added, line] : added;
        }

        if (sealProfile.Length > 0)
        {
            var seal = ArcSealing.Apply(context.Snapshot.Config, sealProfile, message, $"{session.HostName}; {string.Join("; ", checks.Results)}");
            context.Log.ArcSealed(mid, seal.Detail);
            added = seal.Headers is { } set ? [.. set, .. added] : added;
        }

        return Headers(session, checks, added);
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

    private static IReadOnlyList<string> Headers(SmtpSession session, Checked checks, IReadOnlyList<string> added) =>
        checks.Results.Count == 0
            ? added
            : [AuthenticationResultsHeader.Format(session.HostName, checks.Results), .. checks.Verdicts.Select(AuthenticationResultsHeader.Verdict), .. added];

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
