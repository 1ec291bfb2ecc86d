using System.Net;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>IN-1, IN-2, IN-3: sender groups by client address, their behaviours, and no open relay.</summary>
[Collection("smtp")]
public sealed class HostAccessTests(SmtpClusterFixture smtp)
{
    [Fact]
    public async Task A_REJECT_group_gets_a_554_banner_and_nothing_but_QUIT()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Hat, IPAddress.Parse("127.0.0.6"));

        Assert.StartsWith("554 ", await probe.ReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("503 ", await probe.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
        Assert.StartsWith("503 ", await probe.CommandAsync("MAIL FROM:<a@sender.test>"), StringComparison.Ordinal);
        Assert.StartsWith("221 ", await probe.CommandAsync("QUIT"), StringComparison.Ordinal);
        await smtp.WaitForLogAsync("REJECT SG G_REJECT match 127.0.0.6 SBRS None");
    }

    [Fact]
    public async Task A_TCPREFUSE_group_is_closed_before_the_banner()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Hat, IPAddress.Parse("127.0.0.7"));

        Assert.Null(await probe.ReplyAsync());
        await smtp.WaitForLogAsync("TCPREFUSE SG G_REFUSE match 127.0.0.7 SBRS None");
    }

    [Fact]
    public async Task A_RELAY_group_may_send_to_any_domain()
    {
        var relayed = await Swaks.SendAsync(smtp.Hat, "someone@elsewhere.test", "--local-interface", "127.0.0.8");

        Assert.True(relayed.ExitCode == 0, relayed.Output);
        await smtp.WaitForLogAsync("RELAY SG G_RELAY match 127.0.0.8/32 SBRS None");
    }

    [Fact]
    public async Task An_ACCEPT_sender_on_a_public_listener_reaches_only_the_RAT_domains()
    {
        var foreign = await Swaks.SendAsync(smtp.Hat, "someone@elsewhere.test", "--local-interface", "127.0.0.9");
        var local = await Swaks.SendAsync(smtp.Hat, "someone@example.test", "--local-interface", "127.0.0.9");

        Assert.NotEqual(0, foreign.ExitCode);
        Assert.Contains("550 5.7.1 <someone@elsewhere.test>: Relay access denied", foreign.Output, StringComparison.Ordinal);
        Assert.Equal(0, local.ExitCode);
        await smtp.WaitForLogAsync("ACCEPT SG (default) match (none) SBRS None");
    }

    [Fact]
    public async Task The_mail_log_follows_the_appliance_format()
    {
        var sent = await Swaks.SendAsync(smtp.Preferred, "format@example.test", "--tls");
        var mid = System.Text.RegularExpressions.Regex.Match(sent.Output, @"queued as (\d+)").Groups[1].Value;
        await smtp.WaitForLogAsync($"MID {mid} ready");

        var lines = (await smtp.MailLogTextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var stamp = @"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} Info: ";
        Assert.All(lines, l => Assert.Matches(@"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} (Info|Warning): ", l));
        var icid = System.Text.RegularExpressions.Regex.Match(string.Join('\n', lines.Where(l => l.Contains($"Start MID {mid} ", StringComparison.Ordinal))), @"ICID (\d+)").Groups[1].Value;
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, stamp + $@"New SMTP ICID {icid} interface Data1 \(\S+\) address 127\.0\.0\.1 reverse dns host \S+ verified (yes|no)$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, stamp + $"ICID {icid} TLS success protocol TLSv1.3 cipher TLS_"));
        Assert.Contains(lines, l => l.EndsWith($"MID {mid} ICID {icid} From: <sender@sender.test>", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($"MID {mid} ICID {icid} RID 0 To: <format@example.test>", StringComparison.Ordinal));
        await smtp.WaitForLogAsync($"ICID {icid} close");
    }
}
