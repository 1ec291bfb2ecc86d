using System.Globalization;
using System.Text;
using Gatehouse.Node.Messages;
using MimeKit;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// The bounce sent to the sender when recipients fail for good or the message outlives
/// the queue (OUT-5): a <c>multipart/report</c> with <c>message/delivery-status</c> (RFC
/// 3464) and the original headers. It is sent with the null sender, so it never bounces.
/// </summary>
internal static class DeliveryStatusNotification
{
    public static byte[] Build(
        string hostName, Queue.QueuedEnvelope envelope, IReadOnlyList<RecipientFailure> failures, string originalHeaders, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{hostName}"));
        message.To.Add(new MailboxAddress("", envelope.MailFrom));
        message.Subject = "Delivery Status Notification (Failure)";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(hostName);
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"This is the mail system at host {hostName}.")
            .AppendLine()
            .AppendLine("Your message could not be delivered to one or more recipients.")
            .AppendLine();
        foreach (var failure in failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"<{envelope.Recipients[failure.Rid]}>: {OneLine(failure.Reason)}");
        }

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", $"dns; {hostName}" },
            { "X-Gatehouse-Queue-ID", envelope.Mid.ToString(CultureInfo.InvariantCulture) },
            { "Arrival-Date", MimeKit.Utils.DateUtils.FormatDate(envelope.ReceivedAt) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var failure in failures)
        {
            status.StatusGroups.Add(new HeaderList
            {
                { "Final-Recipient", $"rfc822; {envelope.Recipients[failure.Rid]}" },
                { "Action", "failed" },
                { "Status", TransactionOutcome.EnhancedStatus(failure.Reason) },
                { "Diagnostic-Code", $"smtp; {OneLine(failure.Reason)}" },
                { "Last-Attempt-Date", MimeKit.Utils.DateUtils.FormatDate(now) },
            });
        }

        var headers = new MimePart("text", "rfc822-headers")
        {
            Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(originalHeaders))),
        };
        message.Body = new MultipartReport("delivery-status") { new TextPart("plain") { Text = text.ToString() }, status, headers };
        return GeneratedMessage.Bytes(message);
    }

    // A receiver's answer goes into a header field: a bare CR or LF there would start a field of its own.
    private static string OneLine(string reason) => string.Concat(reason.Select(c => char.IsControl(c) ? ' ' : c));

    /// <summary>The header section of a queued message, for the bounce's third part.</summary>
    public static string HeadersOf(Stream data)
    {
        var headers = new StringBuilder();
        using var reader = new StreamReader(data, Encoding.UTF8);
        while (reader.ReadLine() is { Length: > 0 } line && headers.Length < 64 * 1024)
        {
            headers.Append(line).Append("\r\n");
        }

        return headers.ToString();
    }
}
