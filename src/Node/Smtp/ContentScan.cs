using System.Net.Sockets;
using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;
using Gatehouse.Node.Scanning;
using Gatehouse.Node.Scanning.Milter;
using Polly.CircuitBreaker;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// The content scanners of the message's policy, in order, once its data is on disk and before
/// the 250. rspamd's action becomes the SMTP answer and header changes its own milter would make
/// (reject 554 5.7.1; soft reject and greylist 451 4.7.1; rewrite subject; add header, which is
/// <c>X-Spam: Yes</c>; the headers its milter block adds or removes); clamd's FOUND refuses with
/// 554 5.7.1, or holds or tags the message, as its on_found says; a milter's reply is the answer, its header and body changes are written into the
/// stored message before the next scanner sees it, its sender and recipient changes go into the
/// envelope, its discard answers 250 and queues nothing, its quarantine holds the message. A
/// scanner that cannot judge within its time, or is not given a message larger than its limit,
/// or whose circuit is open after repeated failures, leaves the message to its on_failure:
/// accept, tag (<c>X-Gatehouse-Scan</c>) or defer (451 4.7.0).
/// </summary>
internal static class ContentScan
{
    public const string FailureHeader = "X-Gatehouse-Scan";
    public const string VirusHeader = "X-Gatehouse-Virus";
    private const uint DefaultTimeoutSeconds = 15;
    private const ulong DefaultMaxMessageBytes = 20 * 1024 * 1024;

    /// <param name="Sender">The envelope sender after the milters' changes.</param>
    /// <param name="Recipients">The recipients after the milters' changes.</param>
    /// <param name="Discard">A milter discarded the message: the client hears 250, nothing is queued.</param>
    /// <param name="Quarantine">Why a milter quarantined it: it is queued but held until released.</param>
    public sealed record Decision(
        IReadOnlyList<string> Added, IReadOnlyList<string> Removed, string Sender, IReadOnlyList<string> Recipients, SmtpReply? Refusal = null, bool Discard = false,
        string? Quarantine = null);

    // One scanner's verdict as the session acts on it.
    private sealed record Outcome(
        string LogText, SmtpReply? Refusal, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, MilterVerdict? Milter = null, string? Quarantine = null);

    // The envelope as the scanners have left it so far.
    private sealed record Envelope(string Sender, IReadOnlyList<string> Recipients, string? Quarantine = null);

    public static async Task<Decision> DecideAsync(SmtpSession session, long mid, FileStream data, CancellationToken cancel)
    {
        var context = session.Context;
        var added = new List<string>();
        var removed = new List<string>();
        // A copy: the session clears its list when the transaction ends, after the envelope is queued.
        var envelope = new Envelope(session.MailFrom, [.. session.Recipients]);
        foreach (var name in session.Policy.Scanners)
        {
            var scanner = context.Snapshot.Config.ContentScanners.First(s => s.Name == name);
            Outcome outcome;
            try
            {
                outcome = await ScanAsync(session, scanner, mid, envelope, data.Length, cancel);
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or JsonException or ScanSkipped or NoVerdictException or BrokenCircuitException
                || (e is OperationCanceledException && !cancel.IsCancellationRequested))
            {
                var reason = e switch
                {
                    BrokenCircuitException => $"no verdict from its last scans; tried again within {ScannerCircuits.BreakDuration.TotalSeconds:F0} s",
                    OperationCanceledException => $"no verdict within {Timeout(scanner).TotalSeconds:F0} s",
                    _ => e.Message,
                };
                context.Log.ContentScanUnavailable(mid, scanner.Name, Logging.MailLog.Escape(reason), scanner.OnFailure.ToString().ToLowerInvariant());
                switch (scanner.OnFailure)
                {
                    case ScanFailureAction.Defer:
                        return new Decision([], [], envelope.Sender, envelope.Recipients, new SmtpReply(SmtpCode.LocalError, "4.7.0", "Content scanner unavailable; try again later"));
                    case ScanFailureAction.Tag:
                        added.Add($"{FailureHeader}: {scanner.Name} unavailable");
                        break;
                }

                continue;
            }

            context.Log.ContentScanned(mid, scanner.Name, Logging.MailLog.Escape(outcome.LogText));
            if (outcome.Refusal is { } refusal)
            {
                context.Log.ContentScanRefused(mid, scanner.Name, $"{(int)refusal.Code} {refusal.Enhanced} {string.Join(' ', refusal.Lines)}");
                return new Decision([], [], envelope.Sender, envelope.Recipients, refusal);
            }

            added.AddRange(outcome.Added);
            removed.AddRange(outcome.Removed);
            envelope = envelope with { Quarantine = envelope.Quarantine ?? outcome.Quarantine };
            if (outcome.Milter is { } milter)
            {
                if (milter.End == MilterEnd.Discarded)
                {
                    return new Decision([], [], envelope.Sender, envelope.Recipients, Discard: true);
                }

                envelope = Changed(data, envelope, milter.Changes);
            }
        }

        return new Decision(added, removed, envelope.Sender, envelope.Recipients, Quarantine: envelope.Quarantine);
    }

    // A milter's changes: into the stored message at once, so that the next scanner sees them; into the envelope that is committed after.
    private static Envelope Changed(FileStream data, Envelope envelope, MessageChanges changes)
    {
        if (changes.ChangesData)
        {
            MessageRewrite.Apply(data, changes);
        }

        return new Envelope(changes.Sender ?? envelope.Sender, changes.Recipients(envelope.Recipients), envelope.Quarantine ?? changes.Quarantine);
    }

    private static async Task<Outcome> ScanAsync(SmtpSession session, ContentScanner scanner, long mid, Envelope current, long size, CancellationToken cancel)
    {
        var limit = scanner.MaxMessageBytes > 0 ? scanner.MaxMessageBytes : DefaultMaxMessageBytes;
        if ((ulong)size > limit)
        {
            throw new ScanSkipped($"the message ({size} bytes) is larger than the scanner takes ({limit})");
        }

        var (host, port) = ContentScannerRule.Endpoint(scanner.Address)!.Value;
        var context = session.Context;
        var path = context.Spool.DataPath(mid);
        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        within.CancelAfter(Timeout(scanner));
        if (scanner.Type == ScannerType.Clamd)
        {
            var found = await context.Services.Scanners.RunAsync(scanner, token => ClamdClient.ScanAsync(host, port, path, token), within.Token);
            return FromClamd(scanner, found);
        }

        var envelope = new ScanEnvelope(context.Remote.Address.ToString(), session.Helo, context.Reverse.Host, current.Sender, current.Recipients, mid);
        if (scanner.Type == ScannerType.Milter)
        {
            var milterEnvelope = MilterEnvelopeOf(session, envelope);
            var verdict = await context.Services.Scanners.RunAsync(scanner, token => MilterClient.ScanAsync(host, port, milterEnvelope, $"Gatehouse {Runtime.BuildVersion.Text}", path, (long)limit, token), within.Token);
            var refusal = verdict.Refusal is { } reply ? new SmtpReply((SmtpCode)reply.Code, reply.Enhanced, reply.Lines) : null;
            return new Outcome(verdict.LogText, refusal, [], [], verdict);
        }

        return FromRspamd(await context.Services.Scanners.RunAsync(scanner, token => RspamdClient.CheckAsync(host, port, envelope, path, token), within.Token));
    }

    private static MilterEnvelope MilterEnvelopeOf(SmtpSession session, ScanEnvelope envelope)
    {
        var context = session.Context;
        var tls = session.Transport.Tls;
        var certificate = tls?.RemoteCertificate;
        return new MilterEnvelope(envelope, context.Remote.Port, session.HostName, context.Listener.Name, context.Interface.Address,
            tls is null ? null : Tls.TlsProtocolName.Of(tls.SslProtocol), tls?.NegotiatedCipherSuite.ToString(), certificate?.Subject, certificate?.Issuer);
    }

    // A signature found: refused, held, or tagged and delivered, as the scanner says.
    private static Outcome FromClamd(ContentScanner scanner, ClamdVerdict found) => (found.Signature, scanner.OnFound) switch
    {
        (null, _) => new Outcome(found.LogText, null, [], []),
        ({ } signature, ScanFoundAction.Quarantine) => new Outcome(found.LogText, null, [], [], Quarantine: $"{scanner.Name} found {signature}"),
        ({ } signature, ScanFoundAction.Tag) => new Outcome(found.LogText, null, [$"{VirusHeader}: {signature} found by {scanner.Name}"], []),
        ({ } signature, _) => new Outcome(found.LogText, new SmtpReply(SmtpCode.TransactionFailed, "5.7.1", $"Virus found: {signature}"), [], []),
    };

    // As rspamd's own milter answers; its text only where it is printable ASCII.
    private static Outcome FromRspamd(RspamdVerdict verdict)
    {
        var text = verdict.SmtpMessage is { } message && message.All(c => c is >= ' ' and <= '~') ? message : null;
        var refusal = verdict.Action switch
        {
            "reject" => new SmtpReply(SmtpCode.TransactionFailed, "5.7.1", text ?? "Spam message rejected"),
            "soft reject" or "greylist" => new SmtpReply(SmtpCode.LocalError, "4.7.1", text ?? "Try again later"),
            _ => null,
        };
        var added = verdict.AddHeaders.Select(h => $"{h.Name}: {h.Value}").ToList();
        var removed = verdict.RemoveHeaders.ToList();
        if (verdict.Action == "add header" && !verdict.AddHeaders.Any(h => h.Name.Equals("X-Spam", StringComparison.OrdinalIgnoreCase)))
        {
            added.Add("X-Spam: Yes");
        }

        if (verdict is { Action: "rewrite subject", Subject: { } subject })
        {
            removed.Add("Subject");
            added.Add($"Subject: {subject}");
        }

        return new Outcome(verdict.LogText, refusal, added, removed);
    }

    private static TimeSpan Timeout(ContentScanner scanner) => TimeSpan.FromSeconds(scanner.TimeoutSeconds > 0 ? scanner.TimeoutSeconds : DefaultTimeoutSeconds);

    private sealed class ScanSkipped(string message) : Exception(message);
}
