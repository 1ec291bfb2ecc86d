using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>
/// The far end of a relay as production has it: a Postfix receiver that takes each message into
/// its queue on disk before answering (STARTTLS required, <c>smtpd_tls_security_level =
/// encrypt</c>) and delivers it to a Maildir. Its log is read as it grows (every 20 ms): a
/// message arrived when its cleanup logged its Message-ID; connections, TLS sessions, resumed
/// sessions ("Reusing old session", hence <c>smtpd_tls_loglevel = 2</c>) and connections that
/// ended without a message (no <c>data=</c> on the disconnect line) are counted from it too.
/// </summary>
internal sealed partial class PostfixDownstream : IDownstream
{
    private readonly PostfixInstance postfix;
    private readonly CancellationTokenSource stop = new();
    private readonly Task reading;
    private int connections;
    private int tlsSessions;
    private int resumed;
    private int idle;
    private int duplicates;

    private PostfixDownstream(PostfixInstance postfix)
    {
        this.postfix = postfix;
        reading = Task.Run(ReadLogAsync);
    }

    public IPEndPoint Endpoint => postfix.Smtpd;

    public ConcurrentDictionary<string, long> Arrivals { get; } = new();

    public int Duplicates => Volatile.Read(ref duplicates);

    public DownstreamCounts Counts
    {
        get
        {
            var sessions = Volatile.Read(ref tlsSessions);
            return new(Volatile.Read(ref connections), sessions, sessions - Volatile.Read(ref resumed), Volatile.Read(ref idle));
        }
    }

    /// <param name="chainFile">Key and certificate chain, PEM, in one file.</param>
    public static async Task<PostfixDownstream> StartAsync(string directory, IPEndPoint endpoint, string chainFile) =>
        new(await PostfixInstance.StartReceiverAsync(directory, endpoint, "downstream.bench.test", "encrypt", extra: new Dictionary<string, string>
        {
            ["smtpd_tls_chain_files"] = chainFile,
            ["smtpd_tls_loglevel"] = "2",
        }));

    /// <summary>The header of a message it delivered: what the relay did to the mail (signed it, checked it) shows there.</summary>
    public string? OneHeader()
    {
        var inbox = Path.Combine(postfix.Directory, "mail", "inbox", "new");
        var file = Directory.Exists(inbox) ? Directory.EnumerateFiles(inbox).FirstOrDefault() : null;
        if (file is null)
        {
            return null;
        }

        var text = File.ReadAllText(file).ReplaceLineEndings("\n");
        var end = text.IndexOf("\n\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await postfix.DisposeAsync();
        stop.Dispose();
    }

    private async Task ReadLogAsync()
    {
        await using var log = new FileStream(postfix.MailLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[1 << 16];
        var partial = new StringBuilder();
        while (!stop.IsCancellationRequested)
        {
            var read = await log.ReadAsync(buffer);
            if (read == 0)
            {
                await Task.Delay(20, CancellationToken.None);
                continue;
            }

            var now = Stopwatch.GetTimestamp();
            partial.Append(Encoding.Latin1.GetString(buffer, 0, read));
            var text = partial.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0)
            {
                continue;
            }

            partial.Clear().Append(text.AsSpan(end + 1));
            foreach (var line in text[..end].Split('\n'))
            {
                Count(line, now);
            }
        }
    }

    private void Count(string line, long now)
    {
        if (MessageId().Match(line) is { Success: true } id)
        {
            if (!Arrivals.TryAdd(id.Groups[1].Value, now))
            {
                Interlocked.Increment(ref duplicates);
            }
        }
        else if (line.Contains("/smtpd[", StringComparison.Ordinal))
        {
            if (line.Contains(": connect from ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref connections);
            }
            else if (line.Contains("TLS connection established from ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref tlsSessions);
            }
            else if (line.Contains("Reusing old session", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref resumed);
            }
            else if (line.Contains(": disconnect from ", StringComparison.Ordinal) && !Delivered().IsMatch(line))
            {
                Interlocked.Increment(ref idle);
            }
        }
    }

    [GeneratedRegex(@"/cleanup\[\d+\]: \w+: message-id=(<[^>]*>)")]
    private static partial Regex MessageId();

    // "data=1" or "data=3/3"; "data=0/1" is a DATA that took nothing.
    [GeneratedRegex(@" data=[1-9]")]
    private static partial Regex Delivered();
}
