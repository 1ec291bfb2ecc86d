using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Faults;

/// <summary>
/// After a receiver's outage the deferred mail goes out at the destination's connection limit
/// as soon as the receiver answers again — not all at once, not after each message's own
/// doubled wait, and every message exactly once.
/// </summary>
public sealed partial class RetryAfterOutageTests
{
    private const int Messages = 300;
    private const int Connections = 4;

    [Fact]
    public async Task Mail_deferred_by_an_outage_is_delivered_once_each_within_the_connection_limit_when_the_receiver_returns()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");
        var m = cluster.Manager;
        var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
        var receiver = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.test}]
            system: {queue: {initial_retry_seconds: 2}}
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{receiver.Port}}}}]}]
            destination_controls: [{domain: example.test, tls: none, max_concurrent_connections: {{{Connections}}}}]
            listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, certificate: demo, default_policy: ACCEPTED, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, machine: "node1", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("receiver down"));
        await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");
        var log = Path.Combine(node.DataDir, "logs", "mail.current");

        // A long outage: the first messages are deferred four times (their next wait is 16 s ± 15 %) ...
        await SendAsync(smtp, 0, Messages);
        await Wait.UntilAsync(() => DelayCounts(File.ReadAllText(log)).Count(c => c.Value >= 4) == Messages, "every message is deferred four times", TimeSpan.FromSeconds(60));
        // ... and one more arrives near its end, with the short first wait.
        await SendAsync(smtp, Messages, 1);
        await Wait.UntilAsync(() => DelayCounts(File.ReadAllText(log)).Count == Messages + 1, "the late message is deferred");
        var queue = Path.Combine(node.DataDir, "queue");
        var earliestOwnRetry = Directory.GetFiles(queue, "*.dlv").Select(NextAttempt).Order().Skip(1).First();

        await using var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), receiver);
        await Wait.UntilAsync(
            () => sink.Delivered().Count >= Messages + 1 && !Directory.EnumerateFiles(queue, "*.msg").Any(),
            "every deferred message is delivered", TimeSpan.FromSeconds(90));
        var done = DateTimeOffset.UtcNow;

        var subjects = sink.Delivered().Select(d => SubjectLine().Match(d).Value).ToList();
        Assert.Equal(Messages + 1, subjects.Count);
        Assert.Equal(Messages + 1, subjects.Distinct().Count());
        var text = File.ReadAllText(log);
        Assert.Contains("Destination example.test answers again:", text, StringComparison.Ordinal);
        Assert.InRange(MostConnectionsAtOnce(text), 1, Connections);
        // The late message's retry found the receiver back, and took the others with it.
        Assert.True(done < earliestOwnRetry, $"all delivered at {done:O}, the old messages' own retries began at {earliestOwnRetry:O}");
    }

    private static async Task SendAsync(IPEndPoint smtp, int first, int count)
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO sender.test");
        for (var i = first; i < first + count; i++)
        {
            await probe.CommandAsync("MAIL FROM:<a@sender.test>");
            await probe.CommandAsync($"RCPT TO:<user{i}@example.test>");
            await probe.CommandAsync("DATA");
            Assert.StartsWith("250 2.0.0", await probe.CommandAsync($"Subject: message {i}\r\n\r\nbody {i}\r\n."), StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, int> DelayCounts(string log) =>
        DelayedLine().Matches(log).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    private static DateTimeOffset NextAttempt(string progressFile) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(progressFile))!["next_attempt_at"]!.GetValue<DateTimeOffset>();

    // Replays the log's connection lines for the receiver: most delivery connections open at one time.
    private static int MostConnectionsAtOnce(string log)
    {
        var open = new HashSet<string>();
        var most = 0;
        foreach (Match line in ConnectionLine().Matches(log))
        {
            if (line.Groups["new"].Success)
            {
                open.Add(line.Groups["dcid"].Value);
                most = Math.Max(most, open.Count);
            }
            else
            {
                open.Remove(line.Groups["dcid"].Value);
            }
        }

        return most;
    }

    [GeneratedRegex(@"Delayed: (?:DCID \d+ )?MID (\d+) ")]
    private static partial Regex DelayedLine();

    [GeneratedRegex(@"Subject: message \d+")]
    private static partial Regex SubjectLine();

    [GeneratedRegex(@"(?<new>New SMTP )?DCID (?<dcid>\d+) (?:interface|close)")]
    private static partial Regex ConnectionLine();
}
