using System.Text;
using Gatehouse.Node.Delivery;
using MimeKit;

namespace Gatehouse.Node.Tests.Delivery;

/// <summary>A spooled message goes out exactly as it was received, whatever its shape, and says BODY=8BITMIME exactly when it has 8-bit bytes.</summary>
public sealed class SpooledMessageTests
{
    public static TheoryData<string> Shapes => new()
    {
        "From: a@b.test\r\nSubject: plain\r\n\r\nBody line\r\n",
        "From: a@b.test\r\nSubject: folded\r\n\tover two lines\r\nX-Odd:no-space\r\nnot a header line\r\n\r\n.leading dot\r\n\r\n\r\n",
        "From: a@b.test\r\nSubject: headers only\r\n",
        "From: a@b.test\r\n\r\n",
        "\r\nno headers at all\r\n",
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble  \r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nnot=base64!!\r\n--b--\r\nepilogue\r\n",
        "From: a@b.test\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n" + new string('x', 70_000) + "\r\nend\r\n",
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_bytes_written_are_the_bytes_received(string received)
    {
        var bytes = Encoding.Latin1.GetBytes(received);

        using var message = SpooledMessage.Load(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(Expected(received), Encoding.Latin1.GetString(Written(message)));
        Assert.Empty(EightBitParts(message));
    }

    [Fact]
    public void Eight_bit_bytes_anywhere_make_it_declared_8bitmime_and_go_out_unchanged()
    {
        // One read into memory, one streamed from the file (past 64 KB).
        foreach (var received in new[] { "Subject: caf\u00e9\r\n\r\nplain\r\n", "Subject: x\r\n\r\n" + new string('y', 100_000) + "\u00e9\r\n" })
        {
            var bytes = Encoding.Latin1.GetBytes(received);
            using var message = SpooledMessage.Load(new MemoryStream(bytes), CancellationToken.None);
            Assert.Single(EightBitParts(message));
            Assert.Equal(bytes, Written(message));
        }
    }

    [Fact]
    public void A_body_without_its_last_line_end_gets_one_as_DATA_needs()
    {
        using var message = SpooledMessage.Load(new MemoryStream("Subject: x\r\n\r\nno end"u8.ToArray()), CancellationToken.None);

        Assert.Equal("Subject: x\r\n\r\nno end\r\n", Encoding.Latin1.GetString(Written(message)));
    }

    // A message without a header/body separator gets one: the writer always puts it after the headers.
    private static string Expected(string received) =>
        received.Contains("\r\n\r\n", StringComparison.Ordinal) || received.StartsWith("\r\n", StringComparison.Ordinal) ? received : received + "\r\n";

    private static byte[] Written(MimeMessage message)
    {
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos, EnsureNewLine = true }, output);
        return output.ToArray();
    }

    private static List<MimePart> EightBitParts(MimeMessage message) =>
        [.. message.BodyParts.OfType<MimePart>().Where(p => p.ContentTransferEncoding == ContentEncoding.EightBit)];
}
