using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>OUT-3: every outbound TLS mode against every kind of receiver.</summary>
[Collection("delivery")]
public sealed class OutboundTlsMatrixTests(DeliveryFixture fixture)
{
    private const string Tls = "tls";
    private const string Clear = "clear";
    private const string Bounce = "bounce";

    // Receiver → outcome per mode (none, preferred, required, preferred_verify, required_verify).
    // "held: X" means the message stays queued and the log names X as the reason; in "held: X: A"
    // A is the server's answer, which the connection's log gives on a line of its own.
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["pfnone"] = [Clear, Clear, "held: STARTTLS command not supported", Clear, "held: STARTTLS command not supported"],
        ["good"] = [Clear, Tls, Tls, Tls, Tls],
        ["selfsigned"] = [Clear, Tls, Tls, Tls, "held: certificate not verified"],
        ["wrongname"] = [Clear, Tls, Tls, Tls, "held: certificate not verified"],
        // Postfix with "encrypt" refuses MAIL in clear with 530 5.7.0: a permanent answer, so a bounce.
        ["encrypt"] = [Bounce, Tls, Tls, Tls, Tls],
        ["sink"] = [Clear, Clear, "held: STARTTLS command not supported", Clear, "held: STARTTLS command not supported"],
        ["refuser"] = [Clear, Clear, "held: STARTTLS unexpected response: 454", Clear, "held: STARTTLS unexpected response: 454"],
        ["noesmtp"] = [Clear, Clear, "held: peer does not speak ESMTP", Clear, "held: peer does not speak ESMTP"],
        // The handshake fails after the server's 220: no mode falls back to clear text then.
        ["oldtls"] = [Clear, "held: handshake failed", "held: handshake failed", "held: handshake failed", "held: handshake failed"],
    };

    [Fact]
    public async Task Every_TLS_mode_against_every_receiver_gives_the_outcome_SPEC_prescribes()
    {
        var cells = new List<(string Receiver, string Mode, string Expected, long Mid, string Subject)>();
        foreach (var receiver in DeliveryFixture.Receivers)
        {
            for (var i = 0; i < DeliveryFixture.Modes.Length; i++)
            {
                var mode = DeliveryFixture.Modes[i];
                var subject = $"matrix {receiver} {mode} {Guid.NewGuid():N}";
                var mid = await fixture.SendAsync($"user@{DeliveryFixture.Domain(receiver, mode)}", subject);
                cells.Add((receiver, mode, Expected[receiver][i], mid, subject));
            }
        }

        var failures = new List<string>();
        try
        {
            // Polled slowly: each look reads every mailbox and the mail log.
            await Wait.UntilAsync(
                async () =>
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500));
                    return cells.All(c => Observed(c.Receiver, c.Mode, c.Mid, c.Subject, c.Expected) is null);
                },
                "every cell shows its outcome",
                TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            // Reported cell by cell below.
        }

        foreach (var cell in cells)
        {
            if (Observed(cell.Receiver, cell.Mode, cell.Mid, cell.Subject, cell.Expected) is { } problem)
            {
                var lines = fixture.MailLogText().Split('\n').Where(l => l.Contains($"MID {cell.Mid} ", StringComparison.Ordinal));
                failures.Add($"{cell.Receiver} × {cell.Mode}: expected {cell.Expected}, {problem}; log: {string.Join(" | ", lines.Concat(fixture.ConnectionLines(cell.Mid)))}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Null when the cell's outcome is the expected one; otherwise what was seen.</summary>
    private string? Observed(string receiver, string mode, long mid, string subject, string expected)
    {
        var delivered = Delivered(receiver, subject);
        var log = fixture.ConnectionLines(mid);
        var queued = QueueFiles.Holds(fixture.Queue, $"{mid}");
        if (expected.StartsWith("held: ", StringComparison.Ordinal))
        {
            var reason = expected["held: ".Length..];
            var delayed = fixture.MailLogText().Split('\n').Any(l => l.Contains($"Delayed: DCID 0 MID {mid} ", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
            // A connection to this receiver logged the reason, and "required" exactly when the mode requires TLS.
            var requires = mode is "required" or "required_verify";
            var (failure, answer) = reason.Split(": ") is [var f, var a] ? (f, a) : (reason, null);
            var logged = fixture.ConnectionsTo(DeliveryFixture.ReceiverAddress(receiver)).Any(c =>
                c.Any(l => failure == "STARTTLS command not supported" ? l.EndsWith($" STARTTLS command not supported", StringComparison.Ordinal)
                    : answer is null ? l.Contains($"TLS failed: {failure}", StringComparison.Ordinal) : l.EndsWith($"TLS failed: {failure}", StringComparison.Ordinal))
                && (answer is null || c.Any(l => l.Contains($" Response '{answer}", StringComparison.Ordinal)))
                && requires == c.Any(l => l.Contains("TLS was required but could not be successfully negotiated", StringComparison.Ordinal)));
            return delivered is null && queued && delayed && logged ? null
                : $"delivered={delivered is not null} queued={queued} delayed-with-reason={delayed} tls-failure-logged={logged}";
        }

        if (expected == Bounce)
        {
            var bounced = fixture.MailLogText().Split('\n').Any(l => l.Contains("Bounced: DCID", StringComparison.Ordinal) && l.Contains($"MID {mid} to RID 0 - 5.7.0", StringComparison.Ordinal));
            var dsn = fixture.Postfix["pfnone"].Delivered().Any(m => m.Contains("Delivery Status Notification", StringComparison.Ordinal)
                && m.Contains("message/delivery-status", StringComparison.Ordinal) && m.Contains(subject, StringComparison.Ordinal)
                && m.Contains("Status: 5.7.0", StringComparison.Ordinal) && m.Contains("Return-Path: <>", StringComparison.Ordinal));
            return delivered is null && bounced && dsn && !queued ? null : $"delivered={delivered is not null} bounced-logged={bounced} dsn-received={dsn} queued={queued}";
        }

        if (delivered is null || queued)
        {
            return $"delivered={delivered is not null} queued={queued}; log: {string.Join(" | ", log)}";
        }

        var tlsLogged = log.Any(l => l.Contains(" TLS success protocol TLSv1.", StringComparison.Ordinal));
        var receivedWithTls = delivered.Contains("with ESMTPS", StringComparison.Ordinal) || delivered.Contains("(using TLS", StringComparison.Ordinal);
        return expected switch
        {
            Tls when tlsLogged && (receivedWithTls || !fixture.Postfix.ContainsKey(receiver)) => null,
            Clear when !tlsLogged && !receivedWithTls => null,
            _ => $"delivered with tls-logged={tlsLogged} received-header-tls={receivedWithTls}",
        };
    }

    private string? Delivered(string receiver, string subject)
    {
        IEnumerable<string> messages = receiver switch
        {
            "sink" => fixture.Sink.Delivered(),
            "noesmtp" => fixture.NoEsmtp.Delivered(),
            "refuser" => fixture.Refuser.Delivered,
            _ => fixture.Postfix[receiver].Delivered(),
        };
        return messages.FirstOrDefault(m => m.Contains($"Subject: {subject}", StringComparison.Ordinal));
    }
}
