using System.Diagnostics;
using System.Net;
using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.InboundLoad;

/// <summary>
/// Concurrent SMTP clients, each sending messages one connection at a time over STARTTLS:
/// connect, EHLO, STARTTLS, EHLO, MAIL, RCPT, DATA, QUIT. Latency is connect to "250 queued".
/// </summary>
internal static class LoadClient
{
    public sealed record Result(int Accepted, int Failed, TimeSpan Elapsed, List<double> LatenciesMs);

    public static async Task<Result> RunAsync(IPEndPoint server, int clients, int messagesPerClient, string body)
    {
        var latencies = new List<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            for (var i = 0; i < messagesPerClient; i++)
            {
                var started = Stopwatch.GetTimestamp();
                if (await SendOneAsync(server, $"bench-{client}-{i}", body))
                {
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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

    private static async Task<bool> SendOneAsync(IPEndPoint server, string subject, string body)
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
            await smtp.CommandAsync("RCPT TO:<user@example.test>");
            await smtp.CommandAsync("DATA");
            var done = await smtp.CommandAsync($"Subject: {subject}\r\nFrom: load@sender.test\r\nTo: user@example.test\r\n\r\n{body}\r\n.");
            await smtp.SendAsync("QUIT\r\n");
            return done?.StartsWith("250", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            return false;
        }
    }
}
