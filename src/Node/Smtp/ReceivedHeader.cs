using System.Globalization;

namespace Gatehouse.Node.Smtp;

/// <summary>The <c>Received:</c> trace header (RFC 5321 section 4.4), with the TLS protocol and cipher (IN-5).</summary>
internal static class ReceivedHeader
{
    public static string Format(
        string helo, string? reverseHost, string address, string hostName, bool extended, string? tls, long mid, string? singleRecipient, DateTimeOffset at)
    {
        // The EHLO name was checked at EHLO; a PTR answer is checked here, as it comes from outside too.
        reverseHost = reverseHost is not null && HeloName.IsValid(reverseHost) ? reverseHost : null;
        var protocol = (extended ? "ESMTP" : "SMTP") + (tls is null ? "" : "S");
        var header = $"Received: from {helo} ({reverseHost ?? "unknown"} [{address}])\r\n\tby {hostName} with {protocol} id {mid}";
        if (tls is not null)
        {
            header += $"\r\n\t({tls})";
        }

        if (singleRecipient is not null)
        {
            header += $"\r\n\tfor <{singleRecipient}>";
        }

        return header + ";\r\n\t" + at.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + at.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal) + "\r\n";
    }
}
