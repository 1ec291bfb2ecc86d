using System.Buffers;
using System.IO.Pipelines;

namespace Gatehouse.Node.Smtp;

/// <summary>How a DATA section ended.</summary>
internal enum DataOutcome
{
    Complete,

    /// <summary>More than the size limit; the rest was read and dropped.</summary>
    TooLarge,

    /// <summary>A bare CR or LF was seen: refused, so no smuggled message can ride inside (IN-5).</summary>
    BareLineEnding,

    /// <summary>The connection ended before CRLF.CRLF.</summary>
    Disconnected,
}

/// <summary>
/// Streams the DATA section to a sink, never holding the message in memory. Only CRLF "." CRLF
/// ends it; leading dots are unstuffed; lines are written with CRLF.
/// </summary>
internal static class DataReader
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    public static async Task<(DataOutcome Outcome, long Size)> ReadAsync(PipeReader reader, Stream sink, long maxSize, Func<CancellationToken> nextRead)
    {
        long size = 0;
        var bare = false;
        var atLineStart = true;
        while (true)
        {
            var result = await reader.ReadAsync(nextRead());
            var buffer = result.Buffer;
            while (true)
            {
                var newline = buffer.PositionOf((byte)'\n');
                if (newline is null)
                {
                    // Keep a partial line unless it is long; then write what is safe (not a trailing CR).
                    if (buffer.Length > 8192)
                    {
                        var part = buffer.Slice(0, buffer.Length - 1);
                        bare |= Contains(part, (byte)'\r');
                        size += await WriteAsync(sink, part, atLineStart, maxSize, size);
                        atLineStart = false;
                        buffer = buffer.Slice(part.End);
                    }

                    break;
                }

                var line = buffer.Slice(0, newline.Value);
                buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                var properEnd = line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r';
                var content = properEnd ? line.Slice(0, line.Length - 1) : line;
                bare |= !properEnd || Contains(content, (byte)'\r');
                if (atLineStart && properEnd && content.Length == 1 && content.FirstSpan[0] == (byte)'.')
                {
                    reader.AdvanceTo(buffer.Start);
                    var outcome = bare ? DataOutcome.BareLineEnding : size > maxSize && maxSize > 0 ? DataOutcome.TooLarge : DataOutcome.Complete;
                    return (outcome, size);
                }

                size += await WriteAsync(sink, content, atLineStart, maxSize, size);
                size += await WriteAsync(sink, new ReadOnlySequence<byte>(CrLf), atLineStart: false, maxSize, size);
                atLineStart = true;
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return (DataOutcome.Disconnected, size);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    // Writes (after unstuffing a leading dot) while under the limit; counts bytes either way.
    private static async ValueTask<long> WriteAsync(Stream sink, ReadOnlySequence<byte> data, bool atLineStart, long maxSize, long written)
    {
        if (atLineStart && data.Length > 0 && data.FirstSpan[0] == (byte)'.')
        {
            data = data.Slice(1);
        }

        if (maxSize <= 0 || written + data.Length <= maxSize)
        {
            foreach (var segment in data)
            {
                await sink.WriteAsync(segment);
            }
        }

        return data.Length;
    }

    private static bool Contains(ReadOnlySequence<byte> data, byte value) => data.PositionOf(value) is not null;
}
