using System.Text;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>IN-5: what hostile or broken clients get, while other clients are served.</summary>
[Collection("smtp")]
public sealed class HostileClientTests(SmtpClusterFixture smtp)
{
    [Fact]
    public async Task Plaintext_pipelined_after_STARTTLS_is_discarded_not_executed()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");

        await probe.SendAsync("STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n");
        Assert.StartsWith("220 2.0.0 Ready to start TLS", await probe.ReplyAsync(), StringComparison.Ordinal);
        await probe.StartTlsAsync();

        Assert.StartsWith("250", await probe.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
        // Had the injected MAIL run inside TLS, this would be "503 bad sequence".
        Assert.StartsWith("250 2.1.0", await probe.CommandAsync("MAIL FROM:<real@sender.test>"), StringComparison.Ordinal);
        await smtp.WaitForLogAsync("bytes of plaintext sent after STARTTLS");
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\r")]
    public async Task Smuggled_end_of_data_never_ends_the_message_and_the_message_is_refused(string fakeEnd)
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync("MAIL FROM:<a@sender.test>");
        await probe.CommandAsync("RCPT TO:<victim@example.test>");
        Assert.StartsWith("354", await probe.CommandAsync("DATA"), StringComparison.Ordinal);

        await probe.SendAsync($"Subject: one\r\n\r\nbody{fakeEnd}MAIL FROM:<smuggled@evil.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");

        Assert.StartsWith("554 5.6.11", await probe.ReplyAsync(), StringComparison.Ordinal);
        // The next answer is the NOOP's: nothing of the refused DATA ran as a command.
        Assert.Equal("250 2.0.0 Ok", await probe.CommandAsync("NOOP"));
        Assert.DoesNotContain("smuggled@evil.test", await smtp.MailLogTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_drops_mid_DATA_is_logged_as_the_appliance_logs_it_and_leaves_nothing()
    {
        var sender = $"dropper-{Guid.NewGuid():N}@sender.test";
        var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync($"MAIL FROM:<{sender}>");
        await probe.CommandAsync("RCPT TO:<victim@example.test>");
        Assert.StartsWith("354", await probe.CommandAsync("DATA"), StringComparison.Ordinal);
        await probe.SendAsync("Subject: half\r\n\r\nthe first half of a message");
        await probe.DisposeAsync();

        var from = new System.Text.RegularExpressions.Regex($@"MID (\d+) ICID (\d+) From: <{sender}>");
        await smtp.WaitForLogAsync(sender);
        var ids = from.Match(await smtp.MailLogTextAsync());
        await smtp.WaitForLogAsync($"Message aborted MID {ids.Groups[1].Value} Receiving aborted by sender");
        await smtp.WaitForLogAsync($"Info: ICID {ids.Groups[2].Value} lost");
        Assert.DoesNotContain($"MID {ids.Groups[1].Value} queued for delivery", await smtp.MailLogTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_a_little_over_the_limit_is_refused_and_the_session_goes_on()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();

        await probe.SendAsync("EHLO " + new string('a', 3000) + "\r\n");

        Assert.Equal("500 Error: line too long", await probe.ReplyAsync());
        Assert.StartsWith("250", await probe.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_without_end_is_answered_and_closed_while_the_client_is_still_sending()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();

        // No CRLF ever: the answer must not wait for one.
        await probe.SendAsync("EHLO " + new string('a', 64 * 1024));

        Assert.Equal("500 Error: line too long", await probe.ReplyAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await probe.ClosedAsync(TimeSpan.FromSeconds(10)));
        await smtp.WaitForLogAsync("Receiving Failed: command line over 4096 bytes without CRLF");
    }

    [Fact]
    public async Task Ten_thousand_recipients_are_capped_by_the_policy()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync("MAIL FROM:<a@sender.test>");
        var commands = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            commands.Append("RCPT TO:<user").Append(i).Append("@example.test>\r\n");
        }

        await probe.SendAsync(commands.ToString());
        var accepted = 0;
        var refused = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var reply = await probe.ReplyAsync();
            accepted += reply!.StartsWith("250", StringComparison.Ordinal) ? 1 : 0;
            refused += reply.StartsWith("452 4.5.3", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.Equal((100, 9_900), (accepted, refused));
        Assert.StartsWith("354", await probe.CommandAsync("DATA"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_garbage_gets_421_after_too_many_errors()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        for (var i = 0; i < garbage.Length; i += 97)
        {
            garbage[i] = (byte)'\n';
        }

        await probe.SendBytesAsync(garbage);

        string? reply;
        var last = "";
        while ((reply = await probe.ReplyAsync()) is not null)
        {
            last = reply;
        }

        Assert.Equal("421 Error: too many errors", last);
        await smtp.WaitForLogAsync("Receiving Failed: too many errors");
    }

    [Fact]
    public async Task A_client_that_drips_one_byte_a_second_is_cut_at_the_idle_timeout_while_others_are_served()
    {
        // The fixture's idle timeout is 3 s; the drip would take 30 s to finish its line.
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var drip = Task.Run(async () =>
        {
            try
            {
                foreach (var c in "EHLO slow.sender.example.test")
                {
                    await probe.SendAsync(c.ToString());
                    await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // Cut off, as expected.
            }
        });

        var other = await Swaks.SendAsync(smtp.Preferred, "other@example.test");
        var reply = await probe.ReplyAsync(TimeSpan.FromSeconds(20));
        var cutAfter = started.Elapsed;
        await stop.CancelAsync();
        await drip;

        Assert.Equal(0, other.ExitCode);
        Assert.Equal("421 4.4.2 Error: timeout exceeded", reply);
        Assert.InRange(cutAfter.TotalSeconds, 2.5, 10);
        await smtp.WaitForLogAsync("Receiving Failed: timeout (no complete line within 3 s)");
    }

    [Fact]
    public async Task A_client_that_stalls_mid_DATA_times_out_while_others_are_served()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync("MAIL FROM:<a@sender.test>");
        await probe.CommandAsync("RCPT TO:<user@example.test>");
        await probe.CommandAsync("DATA");
        await probe.SendAsync("Subject: stalled\r\n\r\npart of a body");

        var other = await Swaks.SendAsync(smtp.Preferred, "other@example.test");

        Assert.Equal(0, other.ExitCode);
        Assert.StartsWith("421 4.4.2", await probe.ReplyAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        Assert.True(await probe.ClosedAsync(TimeSpan.FromSeconds(10)));
        await smtp.WaitForLogAsync("Receiving Failed: timeout");
    }
}
