using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>Postfix as the sending MTA, relaying into our listeners with each of its TLS levels (IN-4).</summary>
[Collection("smtp")]
public sealed class PostfixSenderTests(SmtpClusterFixture smtp)
{
    private static int instance;

    [Theory]
    [InlineData("none", "Preferred", "clear")]
    [InlineData("may", "Preferred", "tls")]
    [InlineData("encrypt", "Preferred", "tls")]
    [InlineData("may", "Off", "clear")]
    [InlineData("encrypt", "Off", "deferred")]
    [InlineData("none", "Required", "bounced")]
    [InlineData("encrypt", "Required", "tls")]
    public async Task Postfix_relays_into_the_listener_as_the_TLS_settings_of_both_say(string level, string listener, string outcome)
    {
        var target = listener switch { "Off" => smtp.Off, "Required" => smtp.Required, _ => smtp.Preferred };
        var number = Interlocked.Increment(ref instance);
        var directory = Path.Combine(smtp.Cluster.Root, $"postfix-{number}");
        var address = IPAddress.Parse($"127.0.0.{40 + number}");
        await using var postfix = await PostfixInstance.StartAsync(directory, new IPEndPoint(address, FreePort.On(address)), new Dictionary<string, string>
        {
            ["relayhost"] = $"[{target.Address}]:{target.Port}",
            ["smtp_tls_security_level"] = level,
        });
        var subject = $"postfix-{level}-{listener}-{Guid.NewGuid():N}";

        var injected = await Swaks.SendAsync(postfix.Smtpd, "user@example.test", "--header", $"Subject: {subject}");
        Assert.True(injected.ExitCode == 0, injected.Output);

        var expected = outcome switch
        {
            "deferred" => "status=deferred",
            "bounced" => "status=bounced",
            _ => "status=sent",
        };
        await Wait.UntilAsync(async () => (await postfix.MailLogTextAsync()).Contains(expected, StringComparison.Ordinal), $"Postfix reports {expected}");
        var log = await postfix.MailLogTextAsync();
        switch (outcome)
        {
            case "deferred":
                Assert.Contains("TLS is required, but was not offered by host", log, StringComparison.Ordinal);
                break;
            case "bounced":
                Assert.Contains("530 5.7.0 Must issue a STARTTLS command first", log, StringComparison.Ordinal);
                break;
            default:
                var mid = Regex.Match(log, @"status=sent \(250 2\.0\.0 Ok: queued as (\d+)\)").Groups[1].Value;
                using (var envelope = QueueFiles.Envelope(smtp.Queue, mid)!)
                {
                    var tls = envelope.RootElement.GetProperty("tls").GetString();
                    Assert.Equal(outcome == "tls", tls!.StartsWith("version=TLSv1.3", StringComparison.Ordinal));
                }

                Assert.Contains($"Subject: {subject}", await File.ReadAllTextAsync(Path.Combine(smtp.Queue, $"{mid}.msg")), StringComparison.Ordinal);
                Assert.Equal(outcome == "tls", log.Contains("TLS connection established", StringComparison.Ordinal));
                break;
        }
    }
}
