using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Node.Delivery.DomainPolicies;
using Gatehouse.Node.Dkim;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using MimeKit;

namespace Gatehouse.Node.Delivery.Reporting;

/// <summary>
/// Sends one cluster TLS report the manager put together to the destinations the policy domain
/// publishes in its <c>_smtp._tls</c> record (RFC 8460 §3, §5): a <c>mailto:</c> gets a
/// <c>multipart/report; report-type="tlsrpt"</c> message with the gzip-compressed JSON attached,
/// queued here and delivered like any mail but marked <c>TLS-Required: No</c> (a report about
/// broken TLS must not wait for TLS to work); an <c>https:</c> URL gets the same bytes by POST.
/// </summary>
internal sealed partial class TlsReportSender(DnsClients dns, CurrentConfig config, MessageSpool spool, MailLog log, TimeProvider time)
{
    // A day's report of a large cluster for one domain stays far below this.
    public const int MaxReportBytes = 4 * 1024 * 1024;
    private static readonly TimeSpan PostTimeout = TimeSpan.FromSeconds(30);

    public async Task<ReportSent> SendAsync(TlsReportToSend report, CancellationToken cancel)
    {
        if (!HostNameSyntax.IsValid(report.PolicyDomain) || !HostNameSyntax.IsValid(report.Submitter) || !ReportId().IsMatch(report.ReportId)
            || report.ReportGzip.Length is 0 or > MaxReportBytes || report.Start is null || report.End is null)
        {
            throw new InvalidOperationException("not a TLS report this node sends: policy domain, submitter, report id, dates or size out of bounds");
        }

        if (config.Snapshot is not { } snapshot)
        {
            throw new InvalidOperationException("the node has no configuration yet");
        }

        TlsRptRecord record;
        try
        {
            record = TlsRptRecord.FromTxt(await ReportTxt.LookupAsync(dns, $"_smtp._tls.{report.PolicyDomain}", cancel));
        }
        catch (FormatException e)
        {
            return new ReportSent { NoRecord = $"_smtp._tls.{report.PolicyDomain}: {e.Message}" };
        }

        var sent = new ReportSent();
        var attachment = report.ReportGzip.ToByteArray();
        if (record.MailTo.Count > 0)
        {
            var mid = await MailAsync(snapshot, report, attachment, record.MailTo, cancel);
            sent.Delivered.AddRange(record.MailTo.Select(a => $"mailto:{a} (MID {mid})"));
        }

        foreach (var url in record.Https)
        {
            var shown = url.GetLeftPart(UriPartial.Path);
            shown = shown.Length <= 200 ? shown : shown[..200] + "…";
            var result = await PostAsync(snapshot, url, attachment, cancel);
            log.TlsReportPosted(report.ReportId, report.PolicyDomain, shown, result.Outcome);
            (result.Ok ? sent.Delivered : sent.Failed).Add($"{shown} ({result.Outcome})");
        }

        return sent;
    }

    /// <summary>The report's file name (RFC 8460 §5.1): <c>submitter!domain!begin!end!id.json.gz</c>, times in Unix seconds.</summary>
    public static string FileName(TlsReportToSend report) =>
        $"{report.Submitter}!{report.PolicyDomain}!{report.Start.Seconds}!{report.End.Seconds}!{string.Concat(report.ReportId.Where(char.IsAsciiLetterOrDigit))}.json.gz";

    private async Task<long> MailAsync(NodeSnapshot snapshot, TlsReportToSend report, byte[] attachment, IReadOnlyList<string> recipients, CancellationToken cancel)
    {
        var from = $"noreply-smtp-tls-reporting@{report.Submitter}";
        var now = time.GetUtcNow();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("", from));
        message.To.AddRange(recipients.Select(r => new MailboxAddress("", r)));
        message.Subject = $"Report Domain: {report.PolicyDomain} Submitter: {report.Submitter} Report-ID: <{report.ReportId}>";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(report.Submitter);
        message.Headers.Add("TLS-Report-Domain", report.PolicyDomain);
        message.Headers.Add("TLS-Report-Submitter", report.Submitter);
        message.Headers.Add("TLS-Required", "No");
        message.Headers.Add("Auto-Submitted", "auto-generated");
        var body = new MultipartReport("tlsrpt")
        {
            new TextPart("plain") { Text = $"This is an aggregate TLS report from {report.Submitter} for {report.PolicyDomain}, {report.Start.ToDateTimeOffset():u} to {report.End.ToDateTimeOffset():u}.\r\n" },
            new MimePart("application", "tlsrpt+gzip")
            {
                Content = new MimeContent(new MemoryStream(attachment)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = FileName(report) },
                ContentTransferEncoding = ContentEncoding.Base64,
            },
        };
        message.Body = body;
        // RFC 8460 section 5.3: report mail is DKIM-signed, here by the submitter domain's profile.
        var signature = MessageSigning.Sign(snapshot.Config, message);
        var mid = await spool.InjectAsync(GeneratedMessage.Bytes(message), from, recipients, "tls-report", now, cancel, tlsOptional: true);
        log.TlsReportMailed(mid, report.ReportId, report.PolicyDomain, string.Join(", ", recipients));
        if (signature.Covered)
        {
            log.DkimSigning(mid, signature.Detail);
        }
        return mid;
    }

    private async Task<(bool Ok, string Outcome)> PostAsync(NodeSnapshot snapshot, Uri url, byte[] attachment, CancellationToken cancel)
    {
        try
        {
            using var http = PublishedHttps.Client(dns, snapshot, url.Host, 64 * 1024, PostTimeout);
            using var content = new ByteArrayContent(attachment);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/tlsrpt+gzip");
            using var response = await http.PostAsync(url, content, cancel);
            return (response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            return (false, e is OperationCanceledException ? $"no answer within {PostTimeout.TotalSeconds:F0} s" : e.Message);
        }
    }

    /// <summary>A report id this node puts in a subject line and a file name.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}\z")]
    internal static partial Regex ReportId();
}
