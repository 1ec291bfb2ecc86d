using System.Text;
using Gatehouse.Node.Scanning;
using Gatehouse.Node.Scanning.Milter;

namespace Gatehouse.Node.Tests.Scanning;

public sealed class MessageRewriteTests : IDisposable
{
    private const string Stored = "Received: from client by node\r\n\tid 1\r\nFrom: a@example.test\r\nSubject: hello\r\nX-Tag: one\r\nX-Tag: two\r\n\r\nBody line\r\n";
    private readonly string path = Path.Combine(Path.GetTempPath(), $"rewrite-{Guid.NewGuid():N}.msg");

    [Fact]
    public void Header_changes_keep_the_nodes_received_line_first_and_count_only_the_fields_a_milter_saw()
    {
        var changes = new MessageChanges();
        changes.Headers.Add(new HeaderChange(HeaderChangeKind.Insert, 0, "X-First", " first"));
        changes.Headers.Add(new HeaderChange(HeaderChangeKind.Change, 2, "x-tag", " TWO"));
        changes.Headers.Add(new HeaderChange(HeaderChangeKind.Change, 1, "Subject", ""));
        changes.Headers.Add(new HeaderChange(HeaderChangeKind.Add, 0, "X-Last", " a\nb"));

        Assert.Equal(
            "Received: from client by node\r\n\tid 1\r\nX-First: first\r\nFrom: a@example.test\r\nX-Tag: one\r\nX-Tag: TWO\r\nX-Last: a\r\n\tb\r\n\r\nBody line\r\n",
            Rewrite(changes));
    }

    [Fact]
    public void A_shorter_or_longer_header_section_moves_the_body_and_a_new_body_has_crlf_lines()
    {
        var shorter = new MessageChanges();
        shorter.Headers.Add(new HeaderChange(HeaderChangeKind.Change, 1, "From", ""));
        Assert.EndsWith("X-Tag: two\r\n\r\nBody line\r\n", Rewrite(shorter), StringComparison.Ordinal);

        var longer = new MessageChanges();
        longer.Headers.Add(new HeaderChange(HeaderChangeKind.Add, 0, "X-Long", " " + new string('x', 70_000)));
        Assert.EndsWith("x\r\n\r\nBody line\r\n", Rewrite(longer), StringComparison.Ordinal);

        var body = new MessageChanges { Body = new MemoryStream("new\nbody\r\nend\r"u8.ToArray()) };
        Assert.EndsWith("X-Tag: two\r\n\r\nnew\r\nbody\r\nend\r\n", Rewrite(body), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_cannot_start_a_field_or_end_the_header_section()
    {
        var changes = new MessageChanges();
        changes.Headers.Add(new HeaderChange(HeaderChangeKind.Add, 0, "X-Evil", " ok\nBcc: victim@example.test\n\nInjected body"));

        var rewritten = Rewrite(changes);

        Assert.Contains("X-Evil: ok\r\n\tBcc: victim@example.test\r\n\t\r\n\tInjected body\r\n\r\nBody line", rewritten, StringComparison.Ordinal);
    }

    [Fact]
    public void A_milters_reply_is_kept_to_one_code_printable_text_and_a_4xx_or_5xx()
    {
        var reply = MilterReply.Parse("550-5.7.0 first\r\n550 5.7.0 second\u0007");
        Assert.Equal((550, "5.7.0"), (reply.Code, reply.Enhanced));
        Assert.Equal(["first", "second"], reply.Lines);
        Assert.Equal("4.7.1", MilterReply.Parse("421 going away").Enhanced);
        Assert.Throws<IOException>(() => MilterReply.Parse("250 2.0.0 fine"));
        Assert.Throws<IOException>(() => MilterReply.Parse("550 5.7.1 a\r\n451 4.7.1 b"));
    }

    public void Dispose() => File.Delete(path);

    private string Rewrite(MessageChanges changes)
    {
        File.WriteAllText(path, Stored, Encoding.Latin1);
        using (var data = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            data.Seek(0, SeekOrigin.End);
            MessageRewrite.Apply(data, changes);
            data.Write("FOOTER"u8);
        }

        var text = File.ReadAllText(path, Encoding.Latin1);
        Assert.EndsWith("FOOTER", text, StringComparison.Ordinal);
        return text[..^"FOOTER".Length];
    }
}
