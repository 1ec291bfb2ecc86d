using System.Diagnostics;

namespace Gatehouse.Node.Smtp;

/// <summary>A timer of the session ran out; says which, for the reply and the mail log.</summary>
internal sealed class SmtpTimeoutException : Exception
{
    public SmtpTimeoutException()
    {
    }

    public SmtpTimeoutException(string timer)
        : base(timer)
    {
    }

    public SmtpTimeoutException(string timer, Exception innerException)
        : base(timer, innerException)
    {
    }
}

/// <summary>
/// How long a client may take: each line must be complete within the idle timeout — bytes
/// that trickle in do not restart it — and during DATA at least the minimum rate must arrive
/// in every window. Reads wait on <see cref="Token"/>; <see cref="Check"/> turns its firing
/// (or a rate too low) into an <see cref="SmtpTimeoutException"/> that names the timer.
/// </summary>
internal sealed class ReadDeadline : IDisposable
{
    private readonly CancellationTokenSource idle;
    private readonly CancellationToken session;
    private readonly SmtpLimits limits;
    private long windowStarted = Stopwatch.GetTimestamp();
    private long windowBytes;

    public ReadDeadline(SmtpLimits limits, CancellationToken session)
    {
        this.limits = limits;
        this.session = session;
        idle = CancellationTokenSource.CreateLinkedTokenSource(session);
        idle.CancelAfter(limits.Idle);
    }

    public CancellationToken Token => idle.Token;

    /// <summary>A whole line arrived (or a long stretch of one): the next gets the full idle time again.</summary>
    public void LineDone() => idle.CancelAfter(limits.Idle);

    /// <summary>Counts DATA bytes; throws when a whole window passed with fewer than the minimum rate.</summary>
    public void Received(long bytes)
    {
        windowBytes += bytes;
        var elapsed = Stopwatch.GetElapsedTime(windowStarted);
        if (elapsed < limits.DataRateWindow)
        {
            return;
        }

        var rate = windowBytes / elapsed.TotalSeconds;
        if (rate < limits.MinDataRate)
        {
            throw new SmtpTimeoutException($"data rate {rate:0} bytes/s over {elapsed.TotalSeconds:0} s, below {limits.MinDataRate} bytes/s");
        }

        windowStarted = Stopwatch.GetTimestamp();
        windowBytes = 0;
    }

    /// <summary>Runs a read, naming the idle timer when it is the one that fired.</summary>
    public async ValueTask<T> ReadAsync<T>(Func<CancellationToken, ValueTask<T>> read)
    {
        try
        {
            return await read(idle.Token);
        }
        catch (OperationCanceledException e) when (idle.IsCancellationRequested && !session.IsCancellationRequested)
        {
            throw new SmtpTimeoutException($"no complete line within {limits.Idle.TotalSeconds:0} s", e);
        }
    }

    public void Dispose() => idle.Dispose();
}
