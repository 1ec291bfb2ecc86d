using System.Diagnostics;
using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Load for benchmarks: concurrent SMTP clients, each sending messages one connection at a
/// time (by default one message per connection over STARTTLS: connect, EHLO, STARTTLS, EHLO,
/// MAIL, RCPT, DATA, QUIT; <see cref="Shape"/> changes that). Latency is
/// connect to "250 queued". Subjects are <c>PREFIX-CLIENT-I</c> (and Message-IDs <c>&lt;PREFIX-CLIENT-I@load.sender.test&gt;</c>); <paramref name="started"/>
/// hears each subject as its connection opens.
/// </summary>
public static class SmtpLoad
{
    /// <param name="Refusal">The last reply other than 250 to a message's end of data, or the last connection error: why messages failed.</param>
    public sealed record Result(int Accepted, int Failed, TimeSpan Elapsed, List<double> LatenciesMs, string? Refusal = null);

    /// <summary>
    /// How clients connect: STARTTLS or in clear, and how many messages each connection carries;
    /// <c>Headers</c> (lines ending in CRLF) go first in every message, a DKIM signature say.
    /// </summary>
    public sealed record Shape(bool StartTls = true, int PerConnection = 1, string Headers = "");

    public static async Task<Result> RunAsync(
        IPEndPoint server, int clients, int messagesPerClient, string body, string recipient = "user@example.test", string prefix = "bench", Action<string>? started = null, Shape? shape = null)
    {
        shape ??= new Shape();
        var latencies = new List<double>();
        var failed = 0;
        string? refusal = null;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            for (var first = 0; first < messagesPerClient; first += shape.PerConnection)
            {
                var subjects = Enumerable.Range(first, Math.Min(shape.PerConnection, messagesPerClient - first)).Select(i => $"{prefix}-{client}-{i}").ToList();
                var sent = await SendConnectionAsync(server, subjects, body, recipient, shape, started, why => refusal = why);
                lock (latencies)
                {
                    latencies.AddRange(sent);
                }

                Interlocked.Add(ref failed, subjects.Count - sent.Count);
            }
        }));
        clock.Stop();
        latencies.Sort();
        return new Result(latencies.Count, failed, clock.Elapsed, latencies, refusal);
    }

    // One connection carrying the messages in turn; returns each accepted message's latency,
    // from the connection's opening for the first and from its MAIL FROM for the others.
    private static async Task<List<double>> SendConnectionAsync(IPEndPoint server, List<string> subjects, string body, string recipient, Shape shape, Action<string>? started, Action<string> refused)
    {
        var latencies = new List<double>();
        try
        {
            started?.Invoke(subjects[0]);
            var opened = Stopwatch.GetTimestamp();
            await using var smtp = await SmtpProbe.ConnectAsync(server);
            await smtp.ReplyAsync();
            await smtp.CommandAsync("EHLO load.sender.test");
            if (shape.StartTls)
            {
                var ready = await smtp.CommandAsync("STARTTLS");
                if (ready?.StartsWith("220", StringComparison.Ordinal) != true)
                {
                    refused($"STARTTLS: {ready ?? "connection closed"}");
                    return latencies;
                }

                await smtp.StartTlsAsync();
                await smtp.CommandAsync("EHLO load.sender.test");
            }

            foreach (var subject in subjects)
            {
                if (subject != subjects[0])
                {
                    started?.Invoke(subject);
                    opened = Stopwatch.GetTimestamp();
                }

                await smtp.CommandAsync("MAIL FROM:<load@sender.test>");
                await smtp.CommandAsync($"RCPT TO:<{recipient}>");
                await smtp.CommandAsync("DATA");
                var done = await smtp.CommandAsync($"{shape.Headers}Subject: {subject}\r\nMessage-ID: <{subject}@load.sender.test>\r\nFrom: load@sender.test\r\nTo: {recipient}\r\n\r\n{body}\r\n.");
                if (done?.StartsWith("250", StringComparison.Ordinal) != true)
                {
                    refused(done ?? "connection closed");
                    break;
                }

                latencies.Add(Stopwatch.GetElapsedTime(opened).TotalMilliseconds);
            }

            await smtp.SendAsync("QUIT\r\n");
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            // What was accepted before counts; the rest failed.
            refused(e.Message);
        }

        return latencies;
    }
}
