using System.Diagnostics;
using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Load for benchmarks: concurrent SMTP clients, each sending messages one connection at a
/// time over STARTTLS: connect, EHLO, STARTTLS, EHLO, MAIL, RCPT, DATA, QUIT. Latency is
/// connect to "250 queued". Subjects are <c>PREFIX-CLIENT-I</c> (and Message-IDs <c>&lt;PREFIX-CLIENT-I@load.sender.test&gt;</c>); <paramref name="started"/>
/// hears each subject as its connection opens.
/// </summary>
public static class SmtpLoad
{
    public sealed record Result(int Accepted, int Failed, TimeSpan Elapsed, List<double> LatenciesMs);

    public static async Task<Result> RunAsync(
        IPEndPoint server, int clients, int messagesPerClient, string body, string recipient = "user@example.test", string prefix = "bench", Action<string>? started = null)
    {
        var latencies = new List<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            for (var i = 0; i < messagesPerClient; i++)
            {
                var subject = $"{prefix}-{client}-{i}";
                started?.Invoke(subject);
                var opened = Stopwatch.GetTimestamp();
                if (await SendOneAsync(server, subject, body, recipient))
                {
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(opened).TotalMilliseconds);
                    }
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        clock.Stop();
        latencies.Sort();
        return new Result(latencies.Count, failed, clock.Elapsed, latencies);
    }

    private static async Task<bool> SendOneAsync(IPEndPoint server, string subject, string body, string recipient)
    {
        try
        {
            await using var smtp = await SmtpProbe.ConnectAsync(server);
            await smtp.ReplyAsync();
            await smtp.CommandAsync("EHLO load.sender.test");
            if (await smtp.CommandAsync("STARTTLS") is not { } ready || !ready.StartsWith("220", StringComparison.Ordinal))
            {
                return false;
            }

            await smtp.StartTlsAsync();
            await smtp.CommandAsync("EHLO load.sender.test");
            await smtp.CommandAsync("MAIL FROM:<load@sender.test>");
            await smtp.CommandAsync($"RCPT TO:<{recipient}>");
            await smtp.CommandAsync("DATA");
            var done = await smtp.CommandAsync($"Subject: {subject}\r\nMessage-ID: <{subject}@load.sender.test>\r\nFrom: load@sender.test\r\nTo: {recipient}\r\n\r\n{body}\r\n.");
            await smtp.SendAsync("QUIT\r\n");
            return done?.StartsWith("250", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            return false;
        }
    }
}
