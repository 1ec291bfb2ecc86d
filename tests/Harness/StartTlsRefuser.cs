using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Gatehouse.Harness;

/// <summary>
/// An SMTP server that advertises STARTTLS but answers it with <c>454 4.7.0</c>, as a server
/// with a broken TLS set-up does; everything else is accepted, so clear-text delivery can be
/// observed. No common MTA can be configured to behave like this on purpose.
/// </summary>
public sealed class StartTlsRefuser(IPEndPoint endpoint) : TcpTestServer(endpoint)
{
    public ConcurrentQueue<string> Delivered { get; } = new();

    public static StartTlsRefuser Start(IPEndPoint endpoint) => new(endpoint);

    protected override async Task ServeAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 refuser.test ESMTP");
        while (await reader.ReadLineAsync(Stopping) is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteAsync("250-refuser.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
                    break;
                case "STARTTLS":
                    await writer.WriteLineAsync("454 4.7.0 TLS not available due to local problem");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var message = new StringBuilder();
                    while (await reader.ReadLineAsync(Stopping) is { } data && data != ".")
                    {
                        message.Append(data).Append("\r\n");
                    }

                    Delivered.Enqueue(message.ToString());
                    await writer.WriteLineAsync("250 2.0.0 Ok: queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 2.0.0 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 2.0.0 Ok");
                    break;
            }
        }
    }
}
