using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Logging;

/// <summary>
/// The mail log (LOG-1), in the appliance's text format so its log parsers read it:
/// <c>Wed Jul 20 19:47:40 2005 Info: New SMTP ICID 5 …</c>. Every line kind is one typed
/// method with its own event id (<c>MailLog.Inbound.cs</c>, <c>MailLog.Delivery.cs</c>,
/// <c>MailLog.Node.cs</c>); the wording is a contract that SIEM parsers anchor on. Lines are
/// queued and written by one writer off the SMTP path; the file <c>mail.current</c> is rotated
/// by size into <c>mail.@YYYYMMDDTHHMMSS.s</c>, keeping the newest files as configured.
/// </summary>
internal sealed partial class MailLog : IAsyncDisposable, ILogger
{
    public const string CurrentFile = "mail.current";
    private readonly Channel<string> lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string directory;
    private readonly CurrentConfig config;
    private readonly TimeProvider time;
    private readonly Task writer;
    private readonly AsyncLocal<List<string>?> transcript = new();
    private readonly SyslogShipper? syslog;
    private readonly IMailLogSink? sink;
    private readonly string serial;

    // The generated line methods write through this field: the log itself.
    private readonly ILogger logger;

    public MailLog(string directory, CurrentConfig config, TimeProvider time, SyslogShipper? syslog = null, string serial = "-", IMailLogSink? sink = null)
    {
        this.syslog = syslog;
        this.sink = sink;
        this.serial = serial;
        this.directory = directory;
        this.config = config;
        this.time = time;
        logger = this;
        Directory.CreateDirectory(directory);
        writer = Task.Run(WriteAsync);
    }

    /// <summary>Lists of recipient ids as the appliance writes them between brackets: <c>0, 1, 2</c>.</summary>
    public static string Rids(IEnumerable<int> rids) => string.Join(", ", rids);

    /// <summary>
    /// A failure as the appliance's <c>Bounced:</c> and <c>Delayed:</c> lines end:
    /// <c>Answer ('550', ['5.1.1 No such user'])</c> when the reason is an SMTP reply (a server's,
    /// or the node's own for a domain without mail exchanger), else <c>Failure ('000', [...])</c>.
    /// </summary>
    public static string Answer(string reason)
    {
        var answered = reason.Length > 4 && char.IsAsciiDigit(reason[0]) && char.IsAsciiDigit(reason[1]) && char.IsAsciiDigit(reason[2]) && reason[3] == ' ';
        var text = (answered ? reason[4..] : reason).Replace("'", "\\'", StringComparison.Ordinal);
        return answered ? $"Answer ('{reason[..3]}', ['{text}'])" : $"Failure ('000', ['{text}'])";
    }

    bool ILogger.IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    IDisposable? ILogger.BeginScope<TState>(TState state) => null;

    void ILogger.Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Write(logLevel switch
        {
            LogLevel.Information => "Info",
            LogLevel.Warning => "Warning",
            _ => "Critical",
        }, eventId, formatter(state, exception), state as IReadOnlyList<KeyValuePair<string, object?>>);

    public async ValueTask DisposeAsync()
    {
        lines.Writer.TryComplete();
        await writer;
    }

    /// <summary>The appliance's time stamp: C <c>asctime</c> without the newline.</summary>
    public static string Stamp(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{at:ddd MMM} {at.Day,2} {at:HH:mm:ss yyyy}");

    /// <summary>
    /// Until disposed, the lines this flow of work writes are also copied to <paramref name="copy"/>
    /// (tlsverify shows an attempt exactly as the mail log records it).
    /// </summary>
    public IDisposable Transcribe(out IReadOnlyList<string> copy)
    {
        var lines = new List<string>();
        transcript.Value = lines;
        copy = lines;
        return new EndTranscript(transcript);
    }

    /// <summary>
    /// The listener a connection came in on, for the sink only (message tracking): the appliance's
    /// ICID line names the interface, and its wording stays as log parsers know it.
    /// </summary>
    public void ConnectionListener(long icid, string listener) =>
        sink?.Offer(new MailLogEvent(MailLogLine.ConnectionListener, time.GetLocalNow(), "", [new("Icid", icid), new("Listener", listener)]));

    private void Write(string level, EventId kind, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields)
    {
        var now = time.GetLocalNow();
        var text = Escape(message);
        var line = $"{Stamp(now)} {level}: {text}";
        syslog?.Offer(level, kind.Name ?? "mail", now, text);
        sink?.Offer(new MailLogEvent((MailLogLine)kind.Id, now, $"{level}: {text}", fields ?? []));
        if (transcript.Value is { } copy)
        {
            lock (copy)
            {
                copy.Add(line);
            }
        }

        lines.Writer.TryWrite(line + "\n");
    }

    private sealed class EndTranscript(AsyncLocal<List<string>?> transcript) : IDisposable
    {
        public void Dispose() => transcript.Value = null;
    }

    /// <summary>
    /// One event, one line: control characters from clients (a certificate subject with a
    /// newline, an address with ESC) are written as <c>\xNN</c>, so no line can be forged.
    /// </summary>
    public static string Escape(string message)
    {
        if (!message.Any(char.IsControl))
        {
            return message;
        }

        var escaped = new StringBuilder(message.Length + 16);
        foreach (var c in message)
        {
            if (char.IsControl(c))
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    private async Task WriteAsync()
    {
        var path = Path.Combine(directory, CurrentFile);
        FileStream? file = null;
        try
        {
            while (await lines.Reader.WaitToReadAsync())
            {
                try
                {
                    if (file is null)
                    {
                        file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                        if (file.Length == 0)
                        {
                            await file.WriteAsync(Encoding.UTF8.GetBytes(Header()));
                        }
                    }

                    while (lines.Reader.TryRead(out var line))
                    {
                        await file.WriteAsync(Encoding.UTF8.GetBytes(line));
                    }

                    await file.FlushAsync();
                    if (file.Length >= RotateSize)
                    {
                        await file.DisposeAsync();
                        file = null;
                        Rotate(path);
                    }
                }
                catch (IOException e)
                {
                    // A full or failing disk must not stop mail; say so where an admin looks.
                    await Console.Error.WriteLineAsync($"mail log: {e.Message}");
                    file?.Dispose();
                    file = null;
                    await Task.Delay(TimeSpan.FromMilliseconds(200), time);
                }
            }
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }

    // Every file begins as the appliance's do, so log parsers that anchor on it find it.
    private string Header()
    {
        var now = time.GetLocalNow();
        var version = typeof(MailLog).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Stamp(now)} Info: Begin Logfile\n{Stamp(now)} Info: Version: Gatehouse {version} SN: {serial}\n{Stamp(now)} Info: Time offset from UTC: {(long)now.Offset.TotalSeconds} seconds\n");
    }

    private long RotateSize => config.Snapshot?.Config.System?.MailLog?.RotateSizeBytes is > 0 and var size ? (long)size : 10 * 1024 * 1024;

    private int KeepFiles => config.Snapshot?.Config.System?.MailLog?.KeepFiles is > 0 and var keep ? (int)keep : 10;

    private void Rotate(string path)
    {
        var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
        var target = Path.Combine(directory, $"mail.@{stamp}.s");
        for (var n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(directory, $"mail.@{stamp}.{n}.s");
        }

        File.Move(path, target);
        // Oldest first by the time the file was rotated, whatever its name.
        foreach (var old in new DirectoryInfo(directory).GetFiles("mail.@*.s").OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).SkipLast(KeepFiles))
        {
            old.Delete();
        }
    }
}
