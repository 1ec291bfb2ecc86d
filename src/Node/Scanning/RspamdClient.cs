using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Node.Scanning;

/// <summary>What rspamd is told of the message besides its bytes: the SMTP envelope and the client.</summary>
internal sealed record ScanEnvelope(string ClientAddress, string Helo, string? ReverseName, string MailFrom, IReadOnlyList<string> Recipients, long Mid);

/// <summary>
/// rspamd's HTTP protocol: <c>POST /checkv2</c> on its normal worker with the envelope as
/// headers (<c>IP</c>, <c>Helo</c>, <c>Hostname</c>, <c>From</c>, one <c>Rcpt</c> per recipient,
/// <c>Queue-Id</c>) and the message as the body. Spoken on a plain connection per message: each
/// Rcpt must be a header line of its own, which a general HTTP client joins into one.
/// </summary>
internal static class RspamdClient
{
    private const int MaxAnswerBytes = 1024 * 1024;

    public static async Task<RspamdVerdict> CheckAsync(string host, int port, ScanEnvelope envelope, string messagePath, CancellationToken cancel)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port, cancel);
        await using var stream = tcp.GetStream();
        await using (var message = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024))
        {
            var head = new StringBuilder();
            head.Append(CultureInfo.InvariantCulture, $"POST /checkv2 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {message.Length}\r\n");
            Line(head, "IP", envelope.ClientAddress);
            Line(head, "Helo", envelope.Helo);
            Line(head, "Hostname", envelope.ReverseName);
            Line(head, "From", envelope.MailFrom);
            foreach (var recipient in envelope.Recipients)
            {
                Line(head, "Rcpt", recipient);
            }

            Line(head, "Queue-Id", envelope.Mid.ToString(CultureInfo.InvariantCulture));
            head.Append("\r\n");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancel);
            await message.CopyToAsync(stream, cancel);
        }

        var answer = await ReadAnswerAsync(stream, cancel);
        var end = answer.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0 || !Encoding.ASCII.GetString(answer, 0, Math.Min(end, 32)).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            var status = Encoding.ASCII.GetString(answer, 0, Math.Min(answer.Length, 64)).Split('\r')[0];
            throw new IOException($"rspamd answered {(status.Length > 0 ? status : "nothing")}");
        }

        return RspamdVerdict.Parse(answer.AsSpan(end + 4));
    }

    // Values come from the SMTP session, already one line each; a line break would start a header.
    private static void Line(StringBuilder head, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value) && !value.Any(char.IsControl))
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
    }

    // rspamd closes the connection after its answer (Connection: close).
    private static async Task<byte[]> ReadAnswerAsync(NetworkStream stream, CancellationToken cancel)
    {
        using var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancel)) > 0)
        {
            answer.Write(buffer, 0, read);
            if (answer.Length > MaxAnswerBytes)
            {
                throw new IOException("rspamd's answer is larger than 1 MiB");
            }
        }

        return answer.ToArray();
    }
}
