using Gatehouse.Cluster.V1;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.UrlFiltering;

namespace Gatehouse.Node.Smtp;

/// <summary>What the end of DATA does with a message's URLs: a refusal, or headers to add.</summary>
internal sealed record UrlDecision(SmtpReply? Refusal, IReadOnlyList<string> Headers)
{
    public static readonly UrlDecision None = new(null, []);
}

/// <summary>
/// URL filtering at the end of DATA (SVC-3), before the message is committed to the queue:
/// the verdict service judges its URLs; a malicious message is refused or marked, as the
/// configuration says; when the service cannot answer, the fallback decides. Logged either way.
/// </summary>
internal static class UrlFilter
{
    public const string HeaderName = "X-Gatehouse-URL-Verdict";

    public static async Task<UrlDecision> DecideAsync(SessionContext context, long mid, string dataPath, CancellationToken cancel)
    {
        var settings = context.Snapshot.Config.WebSecurity;
        if (settings is not { Enabled: true })
        {
            return UrlDecision.None;
        }

        ExtractedUrls found;
        await using (var data = new FileStream(dataPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true))
        {
            found = await UrlExtractor.ExtractAsync(data, settings.MaxUrls > 0 ? (int)settings.MaxUrls : 50, cancel);
        }

        var verdict = await context.Services.Urls.JudgeAsync(context.Snapshot, settings, found.Urls, cancel);
        if (found.Truncated)
        {
            verdict = verdict.WithTruncation(settings.TooManyUrls);
        }

        var header = $"{HeaderName}: {verdict.Header}";
        switch (verdict.Verdict)
        {
            case UrlVerdict.Unavailable when settings.Fallback == UrlServiceFallback.Defer:
                context.Log.UrlFilteringUnavailableDeferred(mid, verdict.Detail);
                context.Metrics.Refused(context.Listener.Name, RefusalReason.UrlServiceUnavailable);
                return new UrlDecision(new SmtpReply(SmtpCode.LocalError, "4.7.0", "URL filtering unavailable; try again later"), []);
            case UrlVerdict.Unavailable:
                context.Log.UrlFilteringUnavailableDelivered(mid, verdict.Detail);
                return new UrlDecision(null, [header]);
            case UrlVerdict.Malicious when settings.MaliciousAction == UrlVerdictAction.Reject:
                context.Log.UrlRejected(mid, verdict.Header);
                context.Metrics.Refused(context.Listener.Name, RefusalReason.UrlMalicious);
                return new UrlDecision(new SmtpReply(SmtpCode.TransactionFailed, "5.7.1", "Message refused: it links to a malicious site"), []);
            default:
                context.Log.UrlVerdict(mid, verdict.Header);
                return new UrlDecision(null, [header]);
        }
    }
}
