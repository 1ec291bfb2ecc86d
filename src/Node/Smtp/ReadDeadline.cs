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
/// How long a client may take, on one timer for the whole session: the session ends after
/// <see cref="SmtpLimits.Session"/>; while a line or DATA is being read, each line must also be
/// complete within the idle timeout — bytes that trickle in do not restart it — and during DATA
/// at least the minimum rate must arrive in every window. <see cref="Token"/> is the session's
/// token, cancelled by whichever comes first or by <see cref="End"/> (the node stopping, or its
/// listener taken away, after the drain time); a read the idle limit ended becomes an
/// <see cref="SmtpTimeoutException"/> that names it. One timer and one token source per
/// session, linked to nothing: thousands of waiting sessions keep each of them.
/// </summary>
internal sealed class ReadDeadline : IDisposable
{
    private readonly CancellationTokenSource timer = new();
    private readonly SmtpLimits limits;
    private readonly long sessionStarted = Stopwatch.GetTimestamp();
    private bool reading;
    private bool idleFirst;
    private long windowStarted;
    private long windowBytes;
    private volatile bool ended;

    public ReadDeadline(SmtpLimits limits)
    {
        this.limits = limits;
        timer.CancelAfter(limits.Session);
    }

    public CancellationToken Token => timer.Token;

    /// <summary>The session was ended from outside (a stop or a new version), not by its own limits.</summary>
    public bool Ended => ended;

    /// <summary>Ends the session now: what it waits for is cancelled.</summary>
    public void End()
    {
        ended = true;
        try
        {
            timer.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session ended on its own just now.
        }
    }

    /// <summary>A read begins: the idle limit applies to each line until <see cref="StopReading"/>.</summary>
    public void StartReading()
    {
        reading = true;
        windowStarted = Stopwatch.GetTimestamp();
        windowBytes = 0;
        LineDone();
    }

    /// <summary>A whole line arrived (or a long stretch of one): the next gets the full idle time again.</summary>
    public void LineDone()
    {
        if (reading)
        {
            var left = SessionLeft;
            idleFirst = limits.Idle < left;
            Set(idleFirst ? limits.Idle : left);
        }
    }

    /// <summary>The read is over: only the session's length applies until the next.</summary>
    public void StopReading()
    {
        reading = false;
        Set(SessionLeft);
    }

    /// <summary>The idle limit ended the read (not the session's length, not the node stopping).</summary>
    public bool TimedOut => reading && idleFirst && timer.IsCancellationRequested && !ended;

    public SmtpTimeoutException Timeout(Exception cancelled) =>
        new($"no complete line within {limits.Idle.TotalSeconds:0} s", cancelled);

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
            return await read(timer.Token);
        }
        catch (OperationCanceledException e) when (TimedOut)
        {
            throw Timeout(e);
        }
    }

    public void Dispose() => timer.Dispose();

    private TimeSpan SessionLeft => limits.Session - Stopwatch.GetElapsedTime(sessionStarted);

    // Once cancelled, the token stays so: a later change of timer is no use and is not made.
    private void Set(TimeSpan delay)
    {
        if (!timer.IsCancellationRequested)
        {
            timer.CancelAfter(delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
        }
    }
}
