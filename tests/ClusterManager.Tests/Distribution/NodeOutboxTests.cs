using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Tests.Distribution;

/// <summary>A node that stops reading its stream holds up nobody and is cut off.</summary>
[Trait("Category", "Security")]
public sealed class NodeOutboxTests
{
    [Fact]
    public async Task A_message_the_node_does_not_take_within_the_deadline_cuts_the_node_off_and_nothing_waits_for_it()
    {
        var never = new TaskCompletionSource();
        var cutOff = 0;
        using var stream = new CancellationTokenSource();
        var outbox = FakeNodeStream.Outbox("node1", _ => never.Task, TimeSpan.FromMilliseconds(300), () => { cutOff++; stream.Cancel(); }, stream.Token);

        Assert.True(outbox.TryPost(new ManagerMessage()));
        // Posting more returns at once while the first write hangs.
        Assert.True(outbox.TryPost(new ManagerMessage()));
        await outbox.Writing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, cutOff);
        Assert.False(outbox.TryPost(new ManagerMessage()));
        Assert.Equal(1, cutOff);
    }

    [Fact]
    public async Task A_full_queue_cuts_the_node_off_at_once_and_the_streams_own_send_then_fails()
    {
        var writing = new TaskCompletionSource();
        var cutOff = 0;
        var outbox = FakeNodeStream.Outbox("node1", _ => { writing.TrySetResult(); return new TaskCompletionSource().Task; }, TimeSpan.FromHours(1), () => cutOff++);
        Assert.True(outbox.TryPost(new ManagerMessage()));
        await writing.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var posted = 0;
        while (outbox.TryPost(new ManagerMessage()) && posted < 5000)
        {
            posted++;
        }

        Assert.Equal(1024, posted);
        Assert.Equal(1, cutOff);
        await Assert.ThrowsAsync<OperationCanceledException>(() => outbox.SendAsync(new ManagerMessage(), CancellationToken.None));
    }

    [Fact]
    public async Task The_streams_own_send_waits_for_room_no_longer_than_the_deadline()
    {
        var cutOff = 0;
        // The writer holds the first message; the queue behind it is filled without waiting, so
        // that only the stream's own send is left to wait (filling with awaits could outlast the
        // writer's own deadline on a busy machine and find the stream already cut off).
        var writing = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var deadline = TimeSpan.FromSeconds(2);
        var outbox = FakeNodeStream.Outbox("node1", _ => { writing.TrySetResult(); return release.Task; }, deadline, () => cutOff++);
        var started = DateTime.UtcNow;
        Assert.True(outbox.TryPost(new ManagerMessage()));
        await writing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 1024; i++)
        {
            Assert.True(outbox.TryPost(new ManagerMessage()));
        }

        await Assert.ThrowsAsync<OperationCanceledException>(() => outbox.SendAsync(new ManagerMessage(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.InRange(DateTime.UtcNow - started, deadline * 0.8, deadline * 5);
        // The writer's own deadline and this send's end within moments of each other: whichever
        // cuts the node off, it is cut off once.
        for (var i = 0; i < 40 && Volatile.Read(ref cutOff) == 0; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(1, Volatile.Read(ref cutOff));
    }

    [Fact]
    public async Task Messages_reach_the_node_in_the_order_posted()
    {
        var seen = new List<long>();
        var outbox = FakeNodeStream.Outbox("node1", message => { lock (seen) { seen.Add(message.Snapshot.Version); } });
        for (var i = 1; i <= 100; i++)
        {
            Assert.True(outbox.TryPost(new ManagerMessage { Snapshot = new Snapshot { Version = i } }));
        }

        outbox.Complete();
        await outbox.Writing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), seen);
    }
}
