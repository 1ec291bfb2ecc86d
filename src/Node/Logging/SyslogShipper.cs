using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Logging;

/// <summary>
/// Sends the mail log to the syslog server of <c>system.mail_log.syslog</c>, as the appliance's
/// log subscriptions push: RFC 5424 messages (facility mail, severity from the line's level,
/// MSGID the line's kind, e.g. <c>DeliveryTlsFailed</c>, so a SIEM can select without parsing
/// the text) over TCP with octet counting, in TLS unless turned off — the server
/// verified against the trusted CAs and its host name, the client certificate presented when
/// asked. Lines wait in a bounded queue while the server is away; when it overflows the oldest
/// go, and the count of lines lost is sent first when the server is back. The mail log file is
/// never held up by this.
/// </summary>
internal sealed partial class SyslogShipper : BackgroundService
{
    public const int QueueLines = 50_000;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
    private readonly CurrentConfig config;
    private readonly TimeProvider time;
    private readonly ILogger<SyslogShipper> logger;
    private readonly Channel<(string Level, string Kind, DateTimeOffset At, string Text)> lines;
    private long droppedLines;

    public SyslogShipper(CurrentConfig config, TimeProvider time, ILogger<SyslogShipper> logger)
    {
        (this.config, this.time, this.logger) = (config, time, logger);
        lines = Channel.CreateBounded<(string, string, DateTimeOffset, string)>(
            new BoundedChannelOptions(QueueLines) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref droppedLines));
    }

    /// <summary>Queues one line of the mail log when a syslog server is configured.</summary>
    public void Offer(string level, string kind, DateTimeOffset at, string text)
    {
        if (Target(config.Snapshot) is not null)
        {
            lines.Writer.TryWrite((level, kind, at, text));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var snapshot = config.Snapshot;
            if (Target(snapshot) is not { } target)
            {
                await Task.WhenAny(config.Changed, Task.Delay(Timeout.Infinite, stoppingToken));
                continue;
            }

            try
            {
                await ShipAsync(snapshot!, target, stoppingToken);
            }
            catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException
                || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                LogUnreachable(logger, $"{target.Host}:{Port(target)}", e.GetBaseException().Message);
                await Task.Delay(RetryAfter, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    // One connection, until it breaks or the configuration changes the target.
    private async Task ShipAsync(NodeSnapshot snapshot, SyslogTarget target, CancellationToken stopping)
    {
        using var changed = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var version = config.Changed;
        _ = version.ContinueWith(_ => changed.Cancel(), TaskScheduler.Default);
        using var tcp = new TcpClient { NoDelay = true };
        // A server that takes the connection and never completes it must not stall shipping.
        var limit = TimeSpan.FromSeconds(target.ConnectTimeoutSeconds > 0 ? target.ConnectTimeoutSeconds : 30);
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(changed.Token);
        connecting.CancelAfter(limit);
        try
        {
            await tcp.ConnectAsync(target.Host, Port(target), connecting.Token);
        }
        catch (OperationCanceledException) when (!changed.IsCancellationRequested)
        {
            throw new IOException($"no connection within {limit.TotalSeconds:F0} s");
        }

        Stream stream = tcp.GetStream();
        if (target.Tls)
        {
            string? problem = null;
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = tls;
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = target.Host,
                    ClientCertificateContext = snapshot.Certificate(target.ClientCertificate)?.Context,
                    RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                        (problem = PeerVerification.Problem(presented, chain, snapshot.TrustedCas, [target.Host])) is null,
                }, connecting.Token);
            }
            catch (System.Security.Authentication.AuthenticationException e) when (problem is not null)
            {
                await tls.DisposeAsync();
                throw new IOException($"TLS failed: {problem}", e);
            }
            catch (OperationCanceledException) when (!changed.IsCancellationRequested)
            {
                await tls.DisposeAsync();
                throw new IOException($"TLS handshake not complete within {limit.TotalSeconds:F0} s");
            }

            // With TLS 1.3 a server that refuses our client certificate says so only after the
            // handshake: give it a moment, so that no line is entrusted to a refused connection.
            if (tcp.Client.Poll(TimeSpan.FromMilliseconds(300), SelectMode.SelectRead)
                && await stream.ReadAsync(new byte[1], changed.Token) == 0)
            {
                throw new IOException("the server closed the connection after the TLS handshake");
            }
        }

        await using (stream)
        {
            LogConnected(logger, $"{target.Host}:{Port(target)}");
            var host = snapshot.HostName;
            try
            {
                while (await lines.Reader.WaitToReadAsync(changed.Token))
                {
                    if (Interlocked.Exchange(ref droppedLines, 0) is > 0 and var lost)
                    {
                        await stream.WriteAsync(Frame("Warning", "LinesLost", time.GetUtcNow(), host, $"{lost} mail log lines were not sent: the syslog server was away too long"), changed.Token);
                    }

                    // A line whose write fails goes with the connection (never sent twice).
                    while (lines.Reader.TryRead(out var line))
                    {
                        await stream.WriteAsync(Frame(line.Level, line.Kind, line.At, host, line.Text), changed.Token);
                    }

                    await stream.FlushAsync(changed.Token);
                }
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                // A new version: connect again to whatever it says.
            }
        }
    }

    /// <summary>One RFC 5424 message with its octet count (RFC 6587 section 3.4.1).</summary>
    public static byte[] Frame(string level, string kind, DateTimeOffset at, string host, string text)
    {
        // Facility mail (2); severity warning (4) or informational (6).
        var priority = (2 * 8) + (level == "Warning" ? 4 : 6);
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"<{priority}>1 {at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'} {host} gatehouse - {kind} - {level}: {text}"));
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{message.Length} "));
        return [.. header, .. message];
    }

    private static SyslogTarget? Target(NodeSnapshot? snapshot) =>
        snapshot?.Config.System?.MailLog?.Syslog is { Host.Length: > 0 } target ? target : null;

    private static int Port(SyslogTarget target) => target.Port > 0 ? (int)target.Port : target.Tls ? 6514 : 514;

    [LoggerMessage(1800, LogLevel.Information, "Mail log shipping to syslog server {Server}")]
    private static partial void LogConnected(ILogger logger, string server);

    [LoggerMessage(1801, LogLevel.Warning, "Syslog server {Server} unreachable: {Reason}; lines wait in the queue")]
    private static partial void LogUnreachable(ILogger logger, string server, string reason);
}
