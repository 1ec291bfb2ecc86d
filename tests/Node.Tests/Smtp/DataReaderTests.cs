using System.IO.Pipelines;
using System.Text;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Smtp;

namespace Gatehouse.Node.Tests.Smtp;

public sealed class DataReaderTests
{
    [Theory]
    [InlineData("a\r\n.\r\n", "a\r\n", "Complete")]
    [InlineData(".\r\n", "", "Complete")]
    [InlineData("..leading dot\r\n.\r\n", ".leading dot\r\n", "Complete")]
    [InlineData("a\n.\nb\r\n.\r\n", null, "BareLineEnding")]
    [InlineData("a\r.\rb\r\n.\r\n", null, "BareLineEnding")]
    [InlineData("no end", null, "Disconnected")]
    public async Task Only_CRLF_dot_CRLF_ends_the_data(string wire, string? stored, string outcome)
    {
        var (result, sink) = await ReadAsync(wire, maxSize: 0);

        Assert.Equal(outcome, result.ToString());
        if (stored is not null)
        {
            Assert.Equal(stored, sink);
        }
    }

    [Fact]
    public async Task Data_over_the_limit_is_read_to_the_end_and_refused()
    {
        var (result, _) = await ReadAsync(new string('x', 5000) + "\r\n.\r\nNEXT", maxSize: 1000);

        Assert.Equal("TooLarge", result.ToString());
    }

    [Fact]
    public async Task A_long_line_split_across_reads_keeps_its_leading_dot_rule()
    {
        var longLine = "." + new string('y', 20_000);
        var (result, sink) = await ReadAsync(longLine + "\r\n.\r\n", maxSize: 0);

        Assert.Equal("Complete", result.ToString());
        Assert.Equal(longLine[1..] + "\r\n", sink);
    }

    [Fact]
    public async Task A_spool_that_cannot_write_is_reported_after_the_data_is_read_to_its_end()
    {
        // All of it written before anything is read.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes("Subject: x\r\n\r\n" + new string('z', 100_000) + "\r\n.\r\nNOOP\r\n"));
        await pipe.Writer.CompleteAsync();
        using var deadline = new ReadDeadline(SmtpLimits.From(null));

        var result = await DataReader.ReadAsync(pipe.Reader, new FullDisk(), maxSize: 0, deadline);

        Assert.Equal(DataOutcome.StorageFailed, result.Outcome);
        Assert.Equal("No space left on device", result.StorageError);
        // What follows the data is left for the command reader.
        var rest = await pipe.Reader.ReadAsync();
        Assert.Equal("NOOP\r\n", Encoding.Latin1.GetString(rest.Buffer));
    }

    [Fact]
    public async Task Bytes_that_trickle_in_do_not_extend_the_time_for_a_line()
    {
        var pipe = new Pipe();
        var limits = SmtpLimits.From(new Cluster.V1.SmtpServerSettings { IdleTimeoutSeconds = 1 });
        using var deadline = new ReadDeadline(limits);
        using var stop = new CancellationTokenSource();
        var drip = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await pipe.Writer.WriteAsync("x"u8.ToArray());
                await Task.Delay(100);
            }
        });

        var timeout = await Assert.ThrowsAsync<SmtpTimeoutException>(() => DataReader.ReadAsync(pipe.Reader, Stream.Null, 0, deadline));

        await stop.CancelAsync();
        await drip;
        Assert.Equal("no complete line within 1 s", timeout.Message);
    }

    [Fact]
    public async Task Data_slower_than_the_minimum_rate_over_a_window_is_cut()
    {
        var pipe = new Pipe();
        var limits = SmtpLimits.From(new Cluster.V1.SmtpServerSettings { IdleTimeoutSeconds = 10, MinDataRateBytesPerSecond = 1000, DataRateWindowSeconds = 1 });
        using var deadline = new ReadDeadline(limits);
        using var stop = new CancellationTokenSource();
        var lines = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await pipe.Writer.WriteAsync("short line\r\n"u8.ToArray());
                await Task.Delay(100);
            }
        });

        var timeout = await Assert.ThrowsAsync<SmtpTimeoutException>(() => DataReader.ReadAsync(pipe.Reader, Stream.Null, 0, deadline));

        await stop.CancelAsync();
        await lines;
        Assert.Contains("below 1000 bytes/s", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subject_and_Message_ID_are_taken_from_the_header_section_unfolded_decoded_and_bounded()
    {
        var headers = await HeadersAsync("Message-ID: <a.1@sender.test>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n report\r\nSubject: second\r\n\r\nSubject: in the body\r\n.\r\n");

        Assert.Equal(new TrackedHeaders("café report", "<a.1@sender.test>"), headers);
        Assert.Equal(new TrackedHeaders(null, null), await HeadersAsync("From: a@b.test\r\n\r\nSubject: body\r\n.\r\n"));
        Assert.True((await HeadersAsync("tls-required:\r\n  NO \r\n\r\nbody\r\n.\r\n")).TlsRequiredNo);
        Assert.False((await HeadersAsync("TLS-Required: Yes\r\n\r\nbody\r\n.\r\n")).TlsRequiredNo);
        Assert.False((await HeadersAsync("From: a@b.test\r\n\r\nTLS-Required: No\r\n.\r\n")).TlsRequiredNo);
        // The space after the colon is one of the bytes kept.
        Assert.Equal(TrackedHeaderReader.MaxBytes - 1, (await HeadersAsync($"Subject: {new string('s', 20_000)}\r\n\r\n.\r\n")).Subject!.Length);
    }

    private static async Task<TrackedHeaders> HeadersAsync(string wire)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(wire));
        await pipe.Writer.CompleteAsync();
        using var deadline = new ReadDeadline(SmtpLimits.From(null));
        return (await DataReader.ReadAsync(pipe.Reader, Stream.Null, 0, deadline)).Headers;
    }

    private static async Task<(object, string)> ReadAsync(string wire, long maxSize)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(wire));
        await pipe.Writer.CompleteAsync();
        using var sink = new MemoryStream();
        using var deadline = new ReadDeadline(SmtpLimits.From(null));
        var result = await DataReader.ReadAsync(pipe.Reader, sink, maxSize, deadline);
        return (result.Outcome, Encoding.Latin1.GetString(sink.ToArray()));
    }

    // A spool whose disk is full after the first few kilobytes.
    private sealed class FullDisk : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Length > 4096 ? throw new IOException("No space left on device") : base.WriteAsync(buffer, cancellationToken);
    }
}
