using System.IO.Pipelines;
using System.Text;
using Gatehouse.Node.Smtp;

namespace Gatehouse.Node.Tests;

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

    private static async Task<(object, string)> ReadAsync(string wire, long maxSize)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(wire));
        await pipe.Writer.CompleteAsync();
        using var sink = new MemoryStream();
        var (outcome, _) = await DataReader.ReadAsync(pipe.Reader, sink, maxSize, () => CancellationToken.None);
        return (outcome, Encoding.Latin1.GetString(sink.ToArray()));
    }
}
