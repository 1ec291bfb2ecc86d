using System.Globalization;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Node.Authentication.Dmarc;
using Gatehouse.Node.Dkim;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using MimeKit;

namespace Gatehouse.Node.Delivery.Reporting;

/// <summary>
/// Mails one cluster DMARC aggregate report the manager put together to the <c>mailto:</c>
/// addresses of the domain's <c>rua=</c> (RFC 7489 section 7.2.1.1): the gzip-compressed XML
/// attached, DKIM-signed by the reporting address's profile. An address outside the domain's
/// organizational domain gets it only when its domain says it accepts reports for that domain
/// (section 7.1, <c>DOMAIN._report._dmarc.HOST</c>), and only when the report is within the size
/// limit the URI gives (<c>!10m</c>).
/// </summary>
internal sealed class DmarcReportSender(DnsClients dns, CurrentConfig config, MessageSpool spool, MailLog log, PublicSuffixList suffixes, TimeProvider time)
{
    private const int MaxDestinations = 5;

    public async Task<ReportSent> SendAsync(DmarcReportToSend report, CancellationToken cancel)
    {
        if (!HostNameSyntax.IsValid(report.PolicyDomain) || !MailboxAddress.TryParse(report.Email, out var sender) || !HostNameSyntax.IsValid(sender.Domain)
            || !TlsReportSender.ReportId().IsMatch(report.ReportId) || report.OrganizationName.Length is 0 or > 200 || report.OrganizationName.Any(char.IsControl)
            || report.ReportGzip.Length is 0 or > TlsReportSender.MaxReportBytes || report.Start is null || report.End is null)
        {
            throw new InvalidOperationException("not a DMARC report this node sends: domain, address, organization, report id, dates or size out of bounds");
        }

        if (config.Snapshot is not { } snapshot)
        {
            throw new InvalidOperationException("the node has no configuration yet");
        }

        var records = (await ReportTxt.LookupAsync(dns, $"_dmarc.{report.PolicyDomain}", cancel)).Where(DmarcRecord.IsDmarc).ToList();
        if (records.Count != 1 || DmarcRecord.Parse(records[0]) is not { AggregateReports: { Length: > 0 } rua })
        {
            return new ReportSent { NoRecord = $"_dmarc.{report.PolicyDomain}: {(records.Count == 1 ? "no rua=" : "no single v=DMARC1 record")}" };
        }

        var sent = new ReportSent();
        var recipients = new List<string>();
        foreach (var uri in rua.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Take(MaxDestinations))
        {
            var shown = uri.Length <= 200 ? uri : uri[..200] + "…";
            if (ReportUri.Parse(uri) is not { } destination)
            {
                sent.Failed.Add($"{shown}: not a mailto: URI with an address");
            }
            else if (destination.MaxBytes is { } limit && report.ReportGzip.Length > limit)
            {
                sent.Failed.Add($"{shown}: the report ({report.ReportGzip.Length} bytes) is larger than the limit it gives");
            }
            else if (!await AcceptsReportsAsync(report.PolicyDomain, destination.Domain, cancel))
            {
                sent.Failed.Add($"{shown}: {destination.Domain} does not publish {report.PolicyDomain}._report._dmarc.{destination.Domain} (RFC 7489 section 7.1)");
            }
            else
            {
                recipients.Add(destination.Address);
            }
        }

        if (recipients.Count > 0)
        {
            var mid = await MailAsync(snapshot, report, sender, recipients, cancel);
            sent.Delivered.AddRange(recipients.Select(a => $"mailto:{a} (MID {mid})"));
        }

        return sent;
    }

    /// <summary>The attachment's name (RFC 7489 section 7.2.1.1): <c>receiver!policy-domain!begin!end!id.xml.gz</c>.</summary>
    public static string FileName(DmarcReportToSend report, string receiver) =>
        $"{receiver}!{report.PolicyDomain}!{report.Start.Seconds}!{report.End.Seconds}!{string.Concat(report.ReportId.Where(char.IsAsciiLetterOrDigit))}.xml.gz";

    // Section 7.1: a destination in the policy domain's own organizational domain needs no consent.
    private async Task<bool> AcceptsReportsAsync(string policyDomain, string destination, CancellationToken cancel) =>
        suffixes.OrganizationalDomain(destination.ToLowerInvariant()) == suffixes.OrganizationalDomain(policyDomain.ToLowerInvariant())
        || (await ReportTxt.LookupAsync(dns, $"{policyDomain}._report._dmarc.{destination}", cancel)).Any(DmarcRecord.IsDmarc);

    private async Task<long> MailAsync(NodeSnapshot snapshot, DmarcReportToSend report, MailboxAddress sender, List<string> recipients, CancellationToken cancel)
    {
        var receiver = sender.Domain.ToLowerInvariant();
        var now = time.GetUtcNow();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(report.OrganizationName, sender.Address));
        message.To.AddRange(recipients.Select(r => new MailboxAddress("", r)));
        message.Subject = $"Report Domain: {report.PolicyDomain} Submitter: {receiver} Report-ID: <{report.ReportId}>";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(receiver);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new Multipart("mixed")
        {
            new TextPart("plain")
            {
                Text = string.Create(CultureInfo.InvariantCulture,
                    $"This is a DMARC aggregate report from {report.OrganizationName} for {report.PolicyDomain}, {report.Start.ToDateTimeOffset():u} to {report.End.ToDateTimeOffset():u}.\r\n"),
            },
            new MimePart("application", "gzip")
            {
                Content = new MimeContent(new MemoryStream(report.ReportGzip.ToByteArray())),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = FileName(report, receiver) },
                ContentTransferEncoding = ContentEncoding.Base64,
            },
        };
        var signature = MessageSigning.Sign(snapshot.Config, message);
        var mid = await spool.InjectAsync(GeneratedMessage.Bytes(message), sender.Address, recipients, "dmarc-report", now, cancel);
        log.DmarcReportMailed(mid, report.ReportId, report.PolicyDomain, string.Join(", ", recipients));
        if (signature.Covered)
        {
            log.DkimSigning(mid, signature.Detail);
        }

        return mid;
    }
}
