using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>
/// The far end of the relay benchmark with <c>--sink</c>: an in-process SMTP sink that offers
/// STARTTLS, answers at once and keeps nothing, noting when each message (by its Message-ID)
/// arrived. It does no work per message, so it measures the relays alone, but no relay meets
/// such a receiver in production (see <see cref="PostfixDownstream"/>).
/// </summary>
internal sealed class TlsSink(IPEndPoint endpoint, X509Certificate2 certificate) : TcpTestServer(endpoint), IDownstream
{
    private int connections;
    private int encryptedSessions;
    private int idle;
    private int duplicates;

    public ConcurrentDictionary<string, long> Arrivals { get; } = new();

    public int Duplicates => Volatile.Read(ref duplicates);

    public DownstreamCounts Counts => new(Volatile.Read(ref connections), Volatile.Read(ref encryptedSessions), null, Volatile.Read(ref idle));

    protected override async Task ServeAsync(Stream stream)
    {
        Interlocked.Increment(ref connections);
        var delivered = false;
        try
        {
            delivered = await ServeMessagesAsync(stream);
        }
        finally
        {
            if (!delivered)
            {
                Interlocked.Increment(ref idle);
            }
        }
    }

    // True once a message was taken.
    private async Task<bool> ServeMessagesAsync(Stream stream)
    {
        var delivered = false;
        var reader = new StreamReader(stream, Encoding.Latin1);
        var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 sink.bench.test ESMTP");
        while (await reader.ReadLineAsync(Stopping) is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            if (verb == "EHLO")
            {
                await writer.WriteAsync(stream is SslStream ? "250-sink.bench.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n" : "250-sink.bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n");
            }
            else if (verb == "STARTTLS")
            {
                await writer.WriteLineAsync("220 2.0.0 Ready to start TLS");
                var tls = new SslStream(stream);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, Stopping);
                Interlocked.Increment(ref encryptedSessions);
                stream = tls;
                reader = new StreamReader(stream, Encoding.Latin1);
                writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            }
            else if (verb == "DATA")
            {
                await writer.WriteLineAsync("354 go ahead");
                string? messageId = null;
                while (await reader.ReadLineAsync(Stopping) is { } data && data != ".")
                {
                    messageId ??= data.StartsWith("Message-ID: ", StringComparison.OrdinalIgnoreCase) ? data["Message-ID: ".Length..] : null;
                }

                if (messageId is not null && !Arrivals.TryAdd(messageId, Stopwatch.GetTimestamp()))
                {
                    Interlocked.Increment(ref duplicates);
                }

                await writer.WriteLineAsync("250 2.0.0 Ok");
                delivered = true;
            }
            else if (verb == "QUIT")
            {
                await writer.WriteLineAsync("221 2.0.0 Bye");
                return delivered;
            }
            else
            {
                await writer.WriteLineAsync("250 2.0.0 Ok");
            }
        }

        return delivered;
    }
}
