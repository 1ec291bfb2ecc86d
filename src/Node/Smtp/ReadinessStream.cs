using System.Net.Sockets;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// A connection's socket stream whose zero-byte reads complete only when there is something to
/// read (bytes or the end of the connection), and whose writes go straight into the socket's
/// send buffer when it has room.
/// </summary>
/// <remarks>
/// A socket's zero-byte read sometimes completes on a readiness event left over from bytes that
/// were already read. The reader above it then rents its buffer and waits with it — SslStream
/// 32 KB, the pipe 4 KB — so about a third of idle TLS sessions kept one. Checking readiness
/// with a poll of no timeout before answering keeps a waiting session without any buffer.
/// Replies are small and the kernel nearly always takes them at once; an asynchronous send would
/// make the socket keep a second event-args object (with its state) for the connection's life,
/// so a write is tried without waiting first (the socket is non-blocking) and only what the
/// kernel did not take goes the asynchronous way.
/// </remarks>
internal sealed class ReadinessStream : Stream
{
    private readonly NetworkStream socket;

    public ReadinessStream(NetworkStream socket)
    {
        this.socket = socket;
        socket.Socket.Blocking = false;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        buffer.IsEmpty ? WaitReadableAsync(cancellationToken) : socket.ReadAsync(buffer, cancellationToken);

    private async ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // A zero-byte read waits for readiness and reads nothing.
#pragma warning disable CA2022
            await socket.ReadAsync(Memory<byte>.Empty, cancellationToken);
#pragma warning restore CA2022
            if (Readable())
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Nothing reads this stream synchronously; a non-blocking socket could not.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var sent = SendNow(buffer.Span);
        return sent == buffer.Length ? ValueTask.CompletedTask : socket.WriteAsync(buffer[sent..], cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override Task FlushAsync(CancellationToken cancellationToken) => socket.FlushAsync(cancellationToken);

    public override void Flush() => socket.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            socket.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await socket.DisposeAsync();
        await base.DisposeAsync();
    }

    // What the kernel takes now without waiting; 0 on any error, which the asynchronous write then reports.
    private int SendNow(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var sent = socket.Socket.Send(bytes, SocketFlags.None, out var error);
            return error == SocketError.Success ? sent : 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    // True also for a closed or failed connection: the read that follows reports it.
    private bool Readable()
    {
        try
        {
            return socket.Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return true;
        }
    }
}
