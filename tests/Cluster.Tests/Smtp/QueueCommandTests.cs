using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>OUT-5 for the admin: the queue can be listed and retried at once from the node's CLI.</summary>
[Collection("smtp")]
public sealed partial class QueueCommandTests(SmtpClusterFixture smtp)
{
    [Fact]
    public async Task Queue_lists_a_held_message_with_its_last_answer_and_flush_retries_it_before_its_time()
    {
        var subject = $"held {Guid.NewGuid():N}";
        var sent = await Swaks.SendAsync(smtp.Off, "held@example.test", "--from", "someone@sender.test", "--header", $"Subject: {subject}");
        var mid = QueuedAs().Match(sent.Succeeded().Output).Groups[1].Value;
        await smtp.WaitForLogAsync($"Delayed: DCID 0 MID {mid} to RID [0]");

        var listing = (await smtp.Node.CliAsync("queue")).Succeeded().Output;
        Assert.Matches($@"MID {mid}  \d+ bytes  received .* from <someone@sender\.test>  attempts 1  next ", listing);
        Assert.Matches($@"RID 0 <held@example\.test> pending  \(connection to 127\.0\.0\.1 \[127\.0\.0\.1\]:\d+ failed: ConnectionRefused\)", listing);

        // The next retry is a minute away; flush brings it forward.
        (await smtp.Node.CliAsync("queue", "flush")).Succeeded();
        await Wait.UntilAsync(
            () => smtp.MailLogTextAsync().Result.Split('\n').Count(l => l.Contains($"Delayed: DCID 0 MID {mid} ", StringComparison.Ordinal)) >= 2,
            "a second attempt right after the flush", TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(
            async () => (await smtp.Node.CliAsync("queue")).Succeeded().Output.Contains($"MID {mid} ", StringComparison.Ordinal)
                && Regex.IsMatch((await smtp.Node.CliAsync("queue")).Output, $@"MID {mid} .* attempts 2 "),
            "the queue shows the second attempt");
    }

    [GeneratedRegex(@"queued as (\d+)")]
    private static partial Regex QueuedAs();
}
