using System.Buffers;
using System.IO.Pipelines;
using Gatehouse.Node.Messages;

namespace Gatehouse.Node.Smtp;

/// <summary>How a DATA section ended.</summary>
internal enum DataOutcome
{
    Complete,

    /// <summary>More than the size limit; the rest was read and dropped.</summary>
    TooLarge,

    /// <summary>A bare CR or LF was seen: refused, so no smuggled message can ride inside (IN-5).</summary>
    BareLineEnding,

    /// <summary>More <c>Received:</c> headers than <see cref="SmtpLimits.MaxReceivedHeaders"/>: a mail loop.</summary>
    TooManyHops,

    /// <summary>The spool could not take the data (a full disk); the rest was read and dropped.</summary>
    StorageFailed,

    /// <summary>The connection ended before CRLF.CRLF.</summary>
    Disconnected,
}

/// <summary>
/// How a DATA section ended, its size, why the spool failed if it did, and the message's
/// Subject and Message-ID headers as the mail log and message tracking record them.
/// </summary>
internal readonly record struct DataResult(DataOutcome Outcome, long Size, string? StorageError = null, TrackedHeaders Headers = default);

/// <summary>
/// Streams the DATA section to a sink, never holding the message in memory. Only CRLF "." CRLF
/// ends it — a "." after a bare LF does not — so a refused message is read to its real end
/// and none of its bytes is ever taken for a command — a sink that fails
/// (a full disk) is likewise read past to the end. Leading dots are unstuffed; lines are
/// written with CRLF.
/// </summary>
internal static class DataReader
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private static readonly byte[] Received = "received:"u8.ToArray();

    public static async Task<DataResult> ReadAsync(PipeReader reader, Stream sink, long maxSize, ReadDeadline deadline)
    {
        deadline.StartReading();
        try
        {
            return await ReadLinesAsync(reader, sink, maxSize, deadline);
        }
        finally
        {
            deadline.StopReading();
        }
    }

    private static async Task<DataResult> ReadLinesAsync(PipeReader reader, Stream sink, long maxSize, ReadDeadline deadline)
    {
        var state = new State();
        long consumed = 0;
        while (true)
        {
            var result = await deadline.ReadAsync(reader.ReadAsync);
            var buffer = result.Buffer;
            deadline.Received(buffer.Length - consumed);
            while (true)
            {
                var newline = buffer.PositionOf((byte)'\n');
                if (newline is null)
                {
                    // Keep a partial line unless it is long; then write what is safe (not a trailing CR).
                    if (buffer.Length > 8192)
                    {
                        var part = buffer.Slice(0, buffer.Length - 1);
                        state.Bare |= Contains(part, (byte)'\r');
                        state.NoteLineStart(part);
                        state.Size += await WriteAsync(sink, part, state.AtLineStart, maxSize, state);
                        state.AtLineStart = false;
                        buffer = buffer.Slice(part.End);
                        deadline.LineDone();
                    }

                    break;
                }

                var line = buffer.Slice(0, newline.Value);
                buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                var properEnd = line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r';
                var content = properEnd ? line.Slice(0, line.Length - 1) : line;
                state.Bare |= !properEnd || Contains(content, (byte)'\r');
                if (state.AtLineStart && properEnd && content.Length == 1 && content.FirstSpan[0] == (byte)'.')
                {
                    reader.AdvanceTo(buffer.Start);
                    return new DataResult(state.Outcome(maxSize), state.Size, state.SinkError?.Message, state.Headers.Result());
                }

                state.NoteLineStart(content);
                state.Size += await WriteAsync(sink, content, state.AtLineStart, maxSize, state);
                state.Size += await WriteAsync(sink, new ReadOnlySequence<byte>(CrLf), atLineStart: false, maxSize, state);
                // Only a CRLF starts a line that may end the data.
                state.AtLineStart = properEnd;
                deadline.LineDone();
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return new DataResult(DataOutcome.Disconnected, state.Size);
            }

            // What stays unconsumed comes back with the next read; it is counted once.
            consumed = buffer.Length;
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    // Writes (after unstuffing a leading dot) while under the limit and while the sink works; counts bytes either way.
    private static async ValueTask<long> WriteAsync(Stream sink, ReadOnlySequence<byte> data, bool atLineStart, long maxSize, State state)
    {
        if (atLineStart && data.Length > 0 && data.FirstSpan[0] == (byte)'.')
        {
            data = data.Slice(1);
        }

        if (state.SinkError is null && (maxSize <= 0 || state.Size + data.Length <= maxSize))
        {
            try
            {
                foreach (var segment in data)
                {
                    await sink.WriteAsync(segment);
                }
            }
            catch (IOException e)
            {
                state.SinkError = e;
            }
        }

        return data.Length;
    }

    private static bool Contains(ReadOnlySequence<byte> data, byte value) => data.PositionOf(value) is not null;

    private sealed class State
    {
        private bool inHeaders = true;
        private int received;

        public TrackedHeaderReader Headers { get; } = new();

        public long Size { get; set; }

        public bool Bare { get; set; }

        public bool AtLineStart { get; set; } = true;

        public IOException? SinkError { get; set; }

        /// <summary>Counts trace headers while in the header section; an empty line ends it.</summary>
        public void NoteLineStart(ReadOnlySequence<byte> content)
        {
            if (!inHeaders || !AtLineStart)
            {
                return;
            }

            if (content.Length == 0)
            {
                inHeaders = false;
                return;
            }

            Headers.Line(content);

            Span<byte> start = stackalloc byte[Received.Length];
            if (content.Length >= Received.Length)
            {
                content.Slice(0, Received.Length).CopyTo(start);
                received += System.Text.Ascii.EqualsIgnoreCase(start, Received) ? 1 : 0;
            }
        }

        public DataOutcome Outcome(long maxSize) =>
            SinkError is not null ? DataOutcome.StorageFailed
            : Bare ? DataOutcome.BareLineEnding
            : maxSize > 0 && Size > maxSize ? DataOutcome.TooLarge
            : received > SmtpLimits.MaxReceivedHeaders ? DataOutcome.TooManyHops
            : DataOutcome.Complete;
    }
}
