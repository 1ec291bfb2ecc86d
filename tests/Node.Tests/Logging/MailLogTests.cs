using Gatehouse.Cluster.V1;
using Gatehouse.Node.Logging;

namespace Gatehouse.Node.Tests.Logging;

public sealed class MailLogTests : IDisposable
{
    private readonly NodeFixture node = new();

    [Fact]
    public void Time_stamps_are_asctime_as_the_appliance_writes_them()
    {
        Assert.Equal("Wed Jul 20 19:47:40 2005", MailLog.Stamp(new DateTimeOffset(2005, 7, 20, 19, 47, 40, TimeSpan.Zero)));
        Assert.Equal("Thu Jul  7 09:05:01 2005", MailLog.Stamp(new DateTimeOffset(2005, 7, 7, 9, 5, 1, TimeSpan.Zero)));
    }

    [Fact]
    public async Task Control_characters_from_clients_cannot_forge_a_line()
    {
        Assert.Empty(node.Apply(1, new LevelConfig()));
        var directory = Path.Combine(node.DataDir, "logs");
        var log = new MailLog(directory, node.Current, TimeProvider.System);

        log.ClientCertificateNotVerified(7, "CN=x\nWed Jul 20 19:47:40 2005 Info: ICID 7 TLS success", "untrusted root");
        log.Sender(1, 7, "a\u001b[2J\r@evil.test");
        await log.DisposeAsync();

        var lines = File.ReadAllLines(Path.Combine(directory, MailLog.CurrentFile));
        Assert.Equal(5, lines.Length);
        // The appliance's file header first, then one line per event.
        Assert.EndsWith(" Info: Begin Logfile", lines[0], StringComparison.Ordinal);
        Assert.Matches(@" Info: Version: Gatehouse \d+\.\d+\.\d+ SN: -$", lines[1]);
        Assert.Matches(@" Info: Time offset from UTC: -?\d+ seconds$", lines[2]);
        Assert.EndsWith(@"CN=x\x0AWed Jul 20 19:47:40 2005 Info: ICID 7 TLS success not verified: untrusted root", lines[3], StringComparison.Ordinal);
        Assert.EndsWith(@"From: <a\x1B[2J\x0D@evil.test>", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_rotates_by_size_and_keeps_the_configured_number_of_files()
    {
        Assert.Empty(node.Apply(1, new LevelConfig { System = new SystemSettings { MailLog = new MailLogSettings { RotateSizeBytes = 500, KeepFiles = 2 } } }));
        var directory = Path.Combine(node.DataDir, "logs");
        var log = new MailLog(directory, node.Current, TimeProvider.System);

        for (var i = 0; i < 60; i++)
        {
            log.ConnectionClosed(i);
            if (i % 5 == 4)
            {
                // Small batches, so the writer rotates several times.
                await Harness.Wait.UntilAsync(() => AllText(directory).Contains($"ICID {i} close", StringComparison.Ordinal), "the line is written");
            }
        }

        await log.DisposeAsync();

        var rotated = Directory.GetFiles(directory, "mail.@*.s");
        Assert.Equal(2, rotated.Length);
        Assert.All(rotated, f => Assert.Matches(@"mail\.@\d{8}T\d{6}(\.\d+)?\.s$", f));
        Assert.Contains("ICID 59 close", AllText(directory), StringComparison.Ordinal);
    }

    // Files come and go while the writer rotates; read what is there.
    private static string AllText(string directory) =>
        string.Concat(Directory.GetFiles(directory).Select(f =>
        {
            try
            {
                return File.ReadAllText(f);
            }
            catch (FileNotFoundException)
            {
                return "";
            }
        }));

    public void Dispose() => node.Dispose();
}
