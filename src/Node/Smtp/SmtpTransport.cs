using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Smtp;

/// <summary>A command line as read (without its CRLF), or why there is none.</summary>
internal readonly record struct CommandLine(string? Text, LineFault Fault, bool EndOfStream);

/// <summary>
/// The bytes of one SMTP connection: command lines in, replies out (batched while a client
/// pipelines, flushed before waiting for input), DATA streaming, and the STARTTLS upgrade.
/// </summary>
internal sealed class SmtpTransport : IAsyncDisposable
{
    private readonly StringBuilder replies = new();
    private readonly Stream network;
    private readonly SmtpLimits limits;
    private Stream stream;
    private PipeReader reader;
    private bool waitForMore;

    public SmtpTransport(Stream network, SmtpLimits limits)
    {
        this.network = network;
        this.limits = limits;
        stream = network;
        reader = PipeReader.Create(network, ReaderOptions);
    }

    // A waiting session holds no buffer: the reader first waits with a zero-byte read and rents
    // only when bytes have arrived (SslStream likewise keeps none while idle), so thousands of
    // idle connections cost little memory.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(leaveOpen: true, useZeroByteReads: true);

    public SslStream? Tls { get; private set; }

    public PipeReader Reader => reader;

    public void Queue(string reply) => replies.Append(reply);

    public async Task FlushAsync(CancellationToken cancel)
    {
        if (replies.Length == 0)
        {
            return;
        }

        var bytes = Encoding.ASCII.GetBytes(replies.ToString());
        replies.Clear();
        await stream.WriteAsync(bytes, cancel);
        await stream.FlushAsync(cancel);
    }

    /// <summary>
    /// The next command line; replies wait while pipelined commands are already buffered. At
    /// most <see cref="SmtpLimits.MaxBufferedLine"/> bytes are held while a line is incomplete.
    /// </summary>
    public async Task<CommandLine> ReadLineAsync(ReadDeadline deadline)
    {
        // One idle limit for the whole line, however its bytes arrive; armed only when the line
        // is not already buffered. One method, awaiting the pipe itself: each async layer is an
        // object that every waiting session keeps.
        var armed = false;
        try
        {
            while (true)
            {
                ReadResult result;
                if (waitForMore || !reader.TryRead(out result))
                {
                    await FlushAsync(deadline.Token);
                    if (!armed)
                    {
                        deadline.StartReading();
                        armed = true;
                    }

                    try
                    {
                        result = await reader.ReadAsync(deadline.Token);
                    }
                    catch (OperationCanceledException e) when (deadline.TimedOut)
                    {
                        throw deadline.Timeout(e);
                    }
                }

                var buffer = result.Buffer;
                var newline = buffer.PositionOf((byte)'\n');
                if (newline is not null)
                {
                    var line = buffer.Slice(0, newline.Value);
                    var fault = CommandLineCheck.Check(line);
                    var text = fault == LineFault.None ? Encoding.Latin1.GetString(line.Slice(0, line.Length - 1)) : null;
                    reader.AdvanceTo(buffer.GetPosition(1, newline.Value));
                    waitForMore = false;
                    return new CommandLine(text, fault, EndOfStream: false);
                }

                if (result.IsCompleted)
                {
                    reader.AdvanceTo(buffer.End);
                    return new CommandLine(null, LineFault.None, EndOfStream: true);
                }

                if (buffer.Length > SmtpLimits.MaxBufferedLine)
                {
                    reader.AdvanceTo(buffer.End);
                    return new CommandLine(null, LineFault.Unbounded, EndOfStream: false);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                waitForMore = true;
            }
        }
        finally
        {
            if (armed)
            {
                deadline.StopReading();
            }
        }
    }

    public async Task<DataResult> ReadDataAsync(Stream sink, long maxSize, ReadDeadline deadline)
    {
        await FlushAsync(deadline.Token);
        return await DataReader.ReadAsync(reader, sink, maxSize, deadline);
    }

    /// <summary>
    /// STARTTLS done on purpose (IN-4, IN-5): the 220 goes out, plaintext the client pipelined
    /// after STARTTLS is thrown away, and a new reader runs over the TLS stream. Returns the
    /// number of plaintext bytes discarded. A failed handshake throws; the caller closes.
    /// </summary>
    public async Task<long> StartTlsAsync(SslServerAuthenticationOptions options, CancellationToken session)
    {
        await FlushAsync(session);
        long discarded = 0;
        if (reader.TryRead(out var pending))
        {
            discarded = pending.Buffer.Length;
            reader.AdvanceTo(pending.Buffer.End);
        }

        await reader.CompleteAsync();
        var tls = new SslStream(network, leaveInnerStreamOpen: true);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(session);
        handshake.CancelAfter(limits.TlsHandshake);
        try
        {
            await tls.AuthenticateAsServerAsync(options, handshake.Token);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }

        OpenSslIdleBuffers.Release(tls);
        Tls = tls;
        stream = tls;
        reader = PipeReader.Create(tls, ReaderOptions);
        waitForMore = false;
        return discarded;
    }

    public X509Certificate2? ClientCertificate => Tls?.RemoteCertificate is { } certificate ? new X509Certificate2(certificate) : null;

    public string? TlsDescription =>
        Tls is null ? null : $"version={TlsProtocolName.Of(Tls.SslProtocol)} cipher={Tls.NegotiatedCipherSuite}";

    public async ValueTask DisposeAsync()
    {
        await reader.CompleteAsync();
        if (Tls is not null)
        {
            await Tls.DisposeAsync();
        }

        await network.DisposeAsync();
    }
}
