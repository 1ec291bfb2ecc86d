using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Gatehouse.Node.Messages;

/// <summary>
/// A message's Subject and Message-ID, decoded; null when the message has none. And whether its
/// sender wrote <c>TLS-Required: No</c> (RFC 8689 §5): deliver even where the recipient domain's
/// published policies would hold it.
/// </summary>
internal readonly record struct TrackedHeaders(string? Subject, string? MessageId, bool TlsRequiredNo = false);

/// <summary>
/// Collects the Subject and Message-ID header lines (with their folded continuations) while
/// DATA streams past, so the mail log can name them without reading the message again. Each is
/// kept to <see cref="MaxBytes"/>: a header longer than that is cut, never held whole.
/// </summary>
internal sealed class TrackedHeaderReader
{
    public const int MaxBytes = 998;
    private static readonly byte[] SubjectName = "subject:"u8.ToArray();
    private static readonly byte[] MessageIdName = "message-id:"u8.ToArray();
    private static readonly byte[] TlsRequiredName = "tls-required:"u8.ToArray();
    private readonly ArrayBufferWriter<byte> subject = new();
    private readonly ArrayBufferWriter<byte> messageId = new();
    private readonly ArrayBufferWriter<byte> tlsRequired = new();
    private ArrayBufferWriter<byte>? current;
    private bool subjectSeen;
    private bool messageIdSeen;
    private bool tlsRequiredSeen;

    /// <summary>One header line, without its CRLF.</summary>
    public void Line(ReadOnlySequence<byte> line)
    {
        var first = line.FirstSpan.Length > 0 ? line.FirstSpan[0] : (byte)0;
        if (first is (byte)' ' or (byte)'\t')
        {
            if (current is not null)
            {
                Append(current, line);
            }

            return;
        }

        // Only the first of each counts, as a reader of the message would see it.
        current = null;
        if (!subjectSeen && StartsWith(line, SubjectName))
        {
            subjectSeen = true;
            current = subject;
            Append(current, line.Slice(SubjectName.Length));
        }
        else if (!messageIdSeen && StartsWith(line, MessageIdName))
        {
            messageIdSeen = true;
            current = messageId;
            Append(current, line.Slice(MessageIdName.Length));
        }
        else if (!tlsRequiredSeen && StartsWith(line, TlsRequiredName))
        {
            tlsRequiredSeen = true;
            current = tlsRequired;
            Append(current, line.Slice(TlsRequiredName.Length));
        }
    }

    public TrackedHeaders Result() => new(
        subjectSeen ? Rfc2047.DecodeText(ParserOptions.Default, subject.WrittenSpan.ToArray()).Trim() : null,
        messageIdSeen ? Encoding.UTF8.GetString(messageId.WrittenSpan).Trim() : null,
        tlsRequiredSeen && Encoding.ASCII.GetString(tlsRequired.WrittenSpan).Trim().Equals("No", StringComparison.OrdinalIgnoreCase));

    private static void Append(ArrayBufferWriter<byte> to, ReadOnlySequence<byte> data)
    {
        var room = MaxBytes - to.WrittenCount;
        if (room > 0)
        {
            var part = data.Length > room ? data.Slice(0, room) : data;
            foreach (var segment in part)
            {
                to.Write(segment.Span);
            }
        }
    }

    private static bool StartsWith(ReadOnlySequence<byte> line, byte[] name)
    {
        if (line.Length < name.Length)
        {
            return false;
        }

        Span<byte> start = stackalloc byte[name.Length];
        line.Slice(0, name.Length).CopyTo(start);
        return Ascii.EqualsIgnoreCase(start, name);
    }
}
