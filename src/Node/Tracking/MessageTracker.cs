using System.Threading.Channels;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Tracking;

/// <summary>
/// Message tracking on the node (OPS-2): the mail log hands every line's event here; one
/// background writer correlates them and writes the index in batches, off the SMTP path.
/// The index survives restarts and is pruned by the <c>mail_log</c> settings' age and count.
/// </summary>
internal sealed partial class MessageTracker(string directory, CurrentConfig config, TimeProvider time, ILogger<MessageTracker> logger)
    : BackgroundService, IMailLogSink
{
    public const int DefaultDays = 7;
    public const int DefaultMaxMessages = 500_000;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);

    private const int BatchSize = 1024;

    // A message's lines come in bursts: gathered for this long they are one transaction, not one each.
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(200);

    // Bounded: when the disk cannot keep up, tracking loses lines (said in the log), mail does not wait.
    private readonly Channel<MailLogEvent> events = Channel.CreateBounded<MailLogEvent>(
        new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private readonly TaskCompletionSource<TrackingIndex> opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long dropped;

    public void Offer(MailLogEvent e)
    {
        if (!events.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref dropped);
        }
    }

    public async Task<TrackAnswer> SearchAsync(TrackQuery query, CancellationToken cancel)
    {
        // The manager checks these too; the node does not trust it to.
        if (new[] { query.Sender, query.Recipient, query.Subject }.Concat(query.MessageIds).Any(t => t.Length > 1000) || query.MessageIds.Count > TrackingIndex.MaxResults)
        {
            throw new InvalidOperationException("the search is too long");
        }

        var index = await opened.Task.WaitAsync(cancel);
        return await Task.Run(() => index.Search(query), cancel);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (Open() is not { } index)
        {
            return;
        }

        using (index)
        {
            opened.TrySetResult(index);
            var correlator = new MailLogCorrelator();
            var nextPrune = time.GetUtcNow();
            var batch = new List<MailLogEvent>(BatchSize);
            try
            {
                while (await events.Reader.WaitToReadAsync(stoppingToken))
                {
                    if (events.Reader.Count < BatchSize)
                    {
                        await Task.Delay(Gather, time, stoppingToken);
                    }

                    while (batch.Count < BatchSize && events.Reader.TryRead(out var e))
                    {
                        batch.Add(e);
                    }

                    Write(index, correlator, batch);
                    batch.Clear();
                    if (time.GetUtcNow() >= nextPrune)
                    {
                        Prune(index);
                        nextPrune = time.GetUtcNow() + PruneEvery;
                    }

                    if (Interlocked.Exchange(ref dropped, 0) is > 0 and var lost)
                    {
                        LogDropped(logger, lost);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping: what is queued now is written below.
            }

            while (events.Reader.TryRead(out var e))
            {
                batch.Add(e);
            }

            Write(index, correlator, batch);
        }
    }

    // A damaged index is set aside and a new one started: tracking restarts empty, mail never waits for it.
    private TrackingIndex? Open()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new TrackingIndex(directory);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e) when (attempt == 0)
            {
                var damaged = Path.Combine(directory, TrackingIndex.FileName);
                var aside = $"{damaged}.damaged-{time.GetUtcNow():yyyyMMddTHHmmss}";
                LogSetAside(logger, damaged, aside, e.Message);
                foreach (var suffix in (string[])["", "-wal", "-shm"])
                {
                    if (File.Exists(damaged + suffix))
                    {
                        File.Move(damaged + suffix, aside + suffix);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                LogCannotOpen(logger, directory, e.Message);
                opened.TrySetException(new InvalidOperationException($"message tracking is unavailable: {e.Message}"));
                return null;
            }
        }
    }

    private void Write(TrackingIndex index, MailLogCorrelator correlator, List<MailLogEvent> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            index.Write(i =>
            {
                foreach (var e in batch)
                {
                    correlator.Apply(i, e);
                }
            });
        }
        catch (Exception e)
        {
            // A full disk, or a line this version cannot read: these lines are missing from tracking
            // (still in the mail log); tracking and mail go on.
            LogWriteFailed(logger, batch.Count, e.Message);
        }
    }

    private void Prune(TrackingIndex index)
    {
        var settings = config.Snapshot?.Config.System?.MailLog;
        var days = settings?.TrackingDays is > 0 and var d ? (int)d : DefaultDays;
        var max = settings?.TrackingMaxMessages is > 0 and var m ? (long)m : DefaultMaxMessages;
        try
        {
            index.Prune(time.GetUtcNow() - TimeSpan.FromDays(days), max);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            LogWriteFailed(logger, 0, e.Message);
        }
    }

    [LoggerMessage(1500, LogLevel.Error, "Message tracking cannot open its index in {Directory}: {Error}")]
    private static partial void LogCannotOpen(ILogger logger, string directory, string error);

    [LoggerMessage(1503, LogLevel.Error, "Message tracking set its damaged index {Path} aside as {Aside} and starts a new one: {Error}")]
    private static partial void LogSetAside(ILogger logger, string path, string aside, string error);

    [LoggerMessage(1501, LogLevel.Warning, "Message tracking lost {Count} mail log events: its index did not keep up")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(1502, LogLevel.Warning, "Message tracking could not write {Count} events: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string error);
}
