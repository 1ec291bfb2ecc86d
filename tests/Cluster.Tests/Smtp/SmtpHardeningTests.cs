using System.Text;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>
/// What a client controls never reaches a header, a log line or the next hop raw, and the
/// relay rules hold against routing tricks and loops (IN-5, IN-1, SEC).
/// </summary>
[Collection("smtp")]
public sealed class SmtpHardeningTests(SmtpClusterFixture smtp)
{
    [Theory]
    [InlineData("EHLO evil.test\rMAIL FROM:<x@evil.test>", "500 Error: control character in command")]
    [InlineData("EHLO evil.test\0", "500 Error: control character in command")]
    [InlineData("EHLO evil\u001b[2J.test", "500 Error: control character in command")]
    [InlineData("EHLO evil.test (injected)", "501 Syntax: EHLO hostname or [address]")]
    [InlineData("HELO <evil.test>", "501 Syntax: HELO hostname or [address]")]
    [InlineData("EHLO [300.1.1.1]", "501 Syntax: EHLO hostname or [address]")]
    public async Task A_greeting_that_is_not_a_domain_or_address_literal_is_refused(string greeting, string reply)
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();

        Assert.Equal(reply, await probe.CommandAsync(greeting));
        Assert.StartsWith("250", await probe.CommandAsync("EHLO [127.0.0.1]"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Received_header_carries_only_a_checked_greeting()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client\rX-Injected: yes");
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync("MAIL FROM:<a@sender.test>");
        await probe.CommandAsync("RCPT TO:<hops@example.test>");
        await probe.CommandAsync("DATA");

        var queued = await probe.CommandAsync("Subject: greeting\r\n\r\nbody\r\n.");

        var mid = queued!.Split(' ')[^1];
        var message = await File.ReadAllTextAsync(Path.Combine(smtp.Queue, $"{mid}.msg"));
        Assert.StartsWith("Received: from client.sender.test (", message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bare_LF_ends_no_command()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();

        await probe.SendAsync("NOOP\n");

        Assert.Equal("500 Error: bare <LF> received; lines must end with <CR><LF>", await probe.ReplyAsync());
    }

    [Theory]
    [InlineData("user%inner.example.net@example.test")]
    [InlineData("inner.example.net!user@example.test")]
    public async Task Routing_characters_in_a_local_part_are_refused_on_a_public_listener(string recipient)
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync("MAIL FROM:<a@sender.test>");

        Assert.Equal($"550 5.7.1 <{recipient}>: Relay access denied", await probe.CommandAsync($"RCPT TO:<{recipient}>"));
        Assert.StartsWith("250 2.1.5", await probe.CommandAsync("RCPT TO:<plain.user@example.test>"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50, "250 2.0.0")]
    [InlineData(51, "554 5.4.6")]
    public async Task More_than_fifty_Received_headers_is_a_loop(int hops, string reply)
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Preferred);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        await probe.CommandAsync("MAIL FROM:<a@sender.test>");
        await probe.CommandAsync("RCPT TO:<hops@example.test>");
        await probe.CommandAsync("DATA");
        var message = new StringBuilder();
        for (var i = 0; i < hops; i++)
        {
            message.Append("Received: from hop").Append(i).Append(".test by hop").Append(i + 1).Append(".test; Mon, 30 Nov 2026 10:00:00 +0000\r\n");
        }

        message.Append("Subject: loop\r\n\r\nReceived: in the body is not a hop\r\n.");

        Assert.StartsWith(reply, await probe.CommandAsync(message.ToString()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_node_wide_connection_cap_answers_421_before_anything_else()
    {
        await SetSmtpLimitsAsync("max_connections: 2");
        try
        {
            await using var first = await SmtpProbe.ConnectAsync(smtp.Off);
            await using var second = await SmtpProbe.ConnectAsync(smtp.Preferred);
            Assert.StartsWith("220", await first.ReplyAsync(), StringComparison.Ordinal);
            Assert.StartsWith("220", await second.ReplyAsync(), StringComparison.Ordinal);

            await using var third = await SmtpProbe.ConnectAsync(smtp.Required);

            Assert.Equal("421 mx1.example.test Too many connections; try again later", await third.ReplyAsync());
            Assert.True(await third.ClosedAsync(TimeSpan.FromSeconds(10)));
            await smtp.WaitForLogAsync("connections open on this node (limit 2)");
        }
        finally
        {
            await SetSmtpLimitsAsync();
        }
    }

    private async Task SetSmtpLimitsAsync(string extra = "")
    {
        var m = smtp.Cluster.Manager;
        var settings = "idle_timeout_seconds: 3, max_bad_commands: 5" + (extra.Length > 0 ? ", " + extra : "");
        (await m.LoadConfigAsync($"system: {{smtp: {{{settings}}}}}\n", machine: "node1", merge: true)).Succeeded();
        await smtp.Node.WaitAppliedAsync(await m.CommitAsync($"SMTP limits {extra}"));
    }
}
