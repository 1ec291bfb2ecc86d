using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Jobs.Tests;

public sealed class PeriodicJobTests
{
    private readonly SignallingTime time = new();
    private readonly RecordingLogger logger = new();

    [Fact]
    public async Task A_round_that_throws_is_logged_and_the_next_round_runs()
    {
        var job = new ScriptedJob(JobPeriods.Defaults, time, logger, [new InvalidOperationException("the store said no"), null, new IOException("disk full"), null]);
        await job.StartAsync(CancellationToken.None);

        await AdvanceUntilRounds(job, 4);

        await job.StopAsync(CancellationToken.None);
        Assert.Equal(4, job.Rounds);
        Assert.Equal(
            ["Job ScriptedJob: a round failed (InvalidOperationException: the store said no); the next runs as scheduled",
             "Job ScriptedJob: a round failed (IOException: disk full); the next runs as scheduled"],
            logger.Errors);
    }

    [Fact]
    public async Task No_round_runs_before_the_first_period_unless_the_job_runs_at_start()
    {
        var later = new ScriptedJob(JobPeriods.Defaults, time, logger, []);
        var atStart = new ScriptedJob(JobPeriods.Defaults, time, logger, [], runsAtStart: true);
        await later.StartAsync(CancellationToken.None);
        await atStart.StartAsync(CancellationToken.None);

        await atStart.RoundRan.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, later.Rounds);
        await later.StopAsync(CancellationToken.None);
        await atStart.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_configuration_sets_a_jobs_period_by_its_class_name()
    {
        var periods = Periods(("ScriptedJob", "00:00:02"), ("OtherJob", "01:00:00"));
        var job = new ScriptedJob(periods, time, logger, []);
        await job.StartAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(2), job.Period);
        await time.TimerCreated.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromMilliseconds(1900));
        Assert.False(job.RoundRan.Reader.TryRead(out _));
        time.Advance(TimeSpan.FromMilliseconds(100));
        await job.RoundRan.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await job.StopAsync(CancellationToken.None);
        Assert.Equal(1, job.Rounds);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("00:00:00")]
    [InlineData("-00:00:05")]
    public async Task A_period_that_is_not_a_positive_time_stops_the_start_with_its_name(string value)
    {
        var job = new ScriptedJob(Periods(("ScriptedJob", value)), time, logger, []);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => job.StartAsync(CancellationToken.None));

        Assert.Equal($"Jobs:ScriptedJob must be a positive period such as 00:00:30, not '{value}'", refused.Message);
        Assert.Equal(0, job.Rounds);
    }

    [Fact]
    public async Task Stopping_ends_a_round_in_progress_without_logging_a_failure()
    {
        var job = new ScriptedJob(JobPeriods.Defaults, time, logger, [], waitForStop: true);
        await job.StartAsync(CancellationToken.None);
        await AdvanceUntilRounds(job, 1);

        await job.StopAsync(CancellationToken.None);

        Assert.Empty(logger.Errors);
    }

    private async Task AdvanceUntilRounds(ScriptedJob job, int rounds)
    {
        // Time advanced before the job made its timer would pass unseen by it.
        await time.TimerCreated.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < rounds; i++)
        {
            time.Advance(job.Period);
            await job.RoundRan.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static JobPeriods Periods(params (string Job, string Period)[] values) =>
        new(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"{JobPeriods.Section}:{v.Job}", v.Period)))
            .Build());

    private sealed class ScriptedJob(JobPeriods periods, TimeProvider time, ILogger logger, Exception?[] failures, bool runsAtStart = false, bool waitForStop = false)
        : PeriodicJob(periods, time, logger)
    {
        public Channel<int> RoundRan { get; } = Channel.CreateUnbounded<int>();

        public int Rounds { get; private set; }

        protected override TimeSpan DefaultPeriod => TimeSpan.FromMinutes(10);

        protected override bool RunsAtStart => runsAtStart;

        protected override async Task RunOnceAsync(CancellationToken cancel)
        {
            var round = Rounds++;
            try
            {
                if (waitForStop)
                {
                    RoundRan.Writer.TryWrite(round);
                    await Task.Delay(Timeout.Infinite, cancel);
                }

                if (round < failures.Length && failures[round] is { } failure)
                {
                    throw failure;
                }
            }
            finally
            {
                RoundRan.Writer.TryWrite(round);
            }
        }
    }

    /// <summary>A fake clock that says when a timer has been made on it.</summary>
    private sealed class SignallingTime() : FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero))
    {
        public Channel<int> TimerCreated { get; } = Channel.CreateUnbounded<int>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimerCreated.Writer.TryWrite(0);
            return timer;
        }
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Errors { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                lock (Errors)
                {
                    Errors.Add(formatter(state, exception));
                }
            }
        }
    }
}
