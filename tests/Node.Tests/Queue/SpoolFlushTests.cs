using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Tests.Queue;

/// <summary>Group commit: callers that wait together share one flush, and nobody is answered by a flush that began before they wrote.</summary>
public sealed class SpoolFlushTests
{
    [Fact]
    public async Task One_caller_alone_costs_exactly_one_flush()
    {
        var flushes = 0;
        using var flush = new SpoolFlush(_ =>
        {
            Interlocked.Increment(ref flushes);
            return Task.CompletedTask;
        });

        await flush.FlushAsync();

        Assert.Equal(1, flushes);
        Assert.Equal(1, flush.Flushes);
    }

    [Fact]
    public async Task Twenty_callers_arriving_during_a_flush_share_the_next_one_and_wait_for_it()
    {
        var started = new List<TaskCompletionSource>();
        var release = new List<TaskCompletionSource>();
        for (var i = 0; i < 3; i++)
        {
            started.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            release.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        var count = 0;
        var batches = new List<IReadOnlyCollection<string>>();
        using var flush = new SpoolFlush(async files =>
        {
            var n = Interlocked.Increment(ref count) - 1;
            lock (batches)
            {
                batches.Add([.. files]);
            }

            started[n].SetResult();
            await release[n].Task;
        });

        var first = flush.FlushAsync("first.msg");
        await started[0].Task;
        var others = Enumerable.Range(0, 20).Select(i => flush.FlushAsync($"{i}.msg", $"{i}.env")).ToList();

        // The first flush may have begun before the others wrote: it must not answer them.
        release[0].SetResult();
        await first;
        await started[1].Task;
        Assert.All(others, t => Assert.False(t.IsCompleted));

        release[1].SetResult();
        await Task.WhenAll(others);
        Assert.Equal(2, count);
        // The second flush covers every file the twenty wrote.
        Assert.Equal(40, batches[1].Count);
    }

    [Fact]
    public async Task A_failed_flush_fails_every_caller_that_waited_for_it()
    {
        using var flush = new SpoolFlush(_ => throw new IOException("EIO"));

        var waiting = Enumerable.Range(0, 5).Select(_ => flush.FlushAsync()).ToList();

        foreach (var task in waiting)
        {
            await Assert.ThrowsAsync<IOException>(() => task);
        }
    }
}
