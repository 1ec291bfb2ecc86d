using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Jobs;

/// <summary>
/// The one shape of every background loop of the manager and the node: a round every
/// <see cref="Period"/> (from <see cref="JobPeriods"/>, on the injected <see cref="TimeProvider"/>),
/// and a round that fails is logged and the job goes on with the next. A job handles the
/// failures it expects itself (and says so where an admin looks); anything else ends up here.
/// </summary>
public abstract partial class PeriodicJob(JobPeriods periods, TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected ILogger Logger { get; } = logger;

    /// <summary>The name that the configuration and the log use: the class name.</summary>
    public string Name => GetType().Name;

    public TimeSpan Period => Periods.For(Name, DefaultPeriod);

    /// <summary>The configured periods, for a job that has a second one of its own.</summary>
    protected JobPeriods Periods { get; } = periods;

    /// <summary>The period when the configuration names none.</summary>
    protected abstract TimeSpan DefaultPeriod { get; }

    /// <summary>Whether a round runs at start too, before the first period has passed.</summary>
    protected virtual bool RunsAtStart => false;

    protected abstract Task RunOnceAsync(CancellationToken cancel);

    /// <summary>A period the configuration gets wrong stops the start here, with its reason.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Period;
        return base.StartAsync(cancellationToken);
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The host goes on starting the other services while the first round runs.
        await Task.Yield();
        using var timer = new PeriodicTimer(Period, Time);
        if (RunsAtStart)
        {
            await RoundAsync(stoppingToken);
        }

        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RoundAsync(stoppingToken);
        }
    }

    private async Task RoundAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunOnceAsync(stoppingToken);
        }
        catch (Exception e) when (GoesOnAfter(e, stoppingToken))
        {
            LogRoundFailed(Logger, Name, e.GetType().Name, e.Message);
        }
    }

    /// <summary>
    /// The one place that says which failures end a job: being stopped, and running out of
    /// memory (the process can no longer be trusted to do anything right, so the host ends it).
    /// Every other failure is one round's; the next round may well succeed.
    /// </summary>
    public static bool GoesOnAfter(Exception e, CancellationToken stoppingToken) =>
        e is not OutOfMemoryException && !(e is OperationCanceledException && stoppingToken.IsCancellationRequested);

    [LoggerMessage(1, LogLevel.Error, "Job {Job}: a round failed ({Type}: {Reason}); the next runs as scheduled")]
    private static partial void LogRoundFailed(ILogger logger, string job, string type, string reason);
}
