using MimeKit;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// A spooled message as it goes out. Only its header block is parsed (the node inserts its own
/// lines there, and MailKit reads <c>TLS-Required</c> from it); the body is copied from the spool
/// byte for byte, never parsed into MIME parts or measured by writing it out twice. The spool
/// is read synchronously (see <see cref="Queue.SpoolRecord.AppendEnvelope"/>).
/// </summary>
internal static class SpooledMessage
{
    // Read whole below this size: the 8-bit scan, the SIZE count and the sending each go over it,
    // and a small message is cheaper in memory than three times through the file. Below the
    // large-object heap's threshold.
    private const int InMemory = 64 * 1024;

    public static MimeMessage Load(Stream data, CancellationToken cancel)
    {
        var source = data.Length <= InMemory ? ReadAll(data) : data;
        var eightBit = HasEightBit(source);
        source.Position = 0;
        var parser = new MimeParser(source, MimeFormat.Entity, persistent: true);
        var headers = parser.ParseHeaders(cancel);
        return new MimeMessage(headers) { Body = new SpooledBody(source, parser.Position, eightBit) };
    }

    private static MemoryStream ReadAll(Stream data)
    {
        var copy = new MemoryStream((int)data.Length);
        data.CopyTo(copy);
        return copy;
    }

    // Any byte above 127, in a header or the body: the next hop is told BODY=8BITMIME.
    private static bool HasEightBit(Stream source)
    {
        source.Position = 0;
        var buffer = new byte[Math.Min(InMemory, Math.Max(1, source.Length))];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            if (buffer.AsSpan(0, read).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The bytes after the header block, written as they are, ending with CRLF as DATA needs. A
    /// <see cref="Multipart"/> only so that it can hold one empty 8bit part: MailKit declares
    /// <c>BODY=8BITMIME</c> when it finds such a part, and this way finds one exactly when the
    /// message has 8-bit bytes. Neither that part nor a boundary is ever written.
    /// </summary>
    private sealed class SpooledBody : Multipart
    {
        private static readonly byte[] NewLine = "\r\n"u8.ToArray();
        private readonly Stream source;
        private readonly long start;

        public SpooledBody(Stream source, long start, bool eightBit)
        {
            this.source = source;
            this.start = start;
            Headers.Clear();
            if (eightBit)
            {
                Add(new MimePart { ContentTransferEncoding = ContentEncoding.EightBit });
            }
        }

        public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
        {
            // Relayed as received.
        }

        public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default) =>
            WriteToAsync(options, stream, contentOnly, cancellationToken).GetAwaiter().GetResult();

        public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            source.Position = start;
            var buffer = new byte[(int)Math.Min(InMemory, Math.Max(2, source.Length - start))];
            var last = new byte[2];
            var total = 0L;
            int read;
            while ((read = source.Read(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                UpdateLast(last, buffer.AsSpan(0, read));
                total += read;
            }

            if (total > 0 && !last.AsSpan().SequenceEqual(NewLine))
            {
                await stream.WriteAsync(NewLine, cancellationToken);
            }
        }

        private static void UpdateLast(byte[] last, ReadOnlySpan<byte> read)
        {
            if (read.Length >= 2)
            {
                read[^2..].CopyTo(last);
            }
            else
            {
                last[0] = last[1];
                last[1] = read[0];
            }
        }
    }
}
