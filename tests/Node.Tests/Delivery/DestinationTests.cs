using Gatehouse.Node.Delivery;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Tests.Delivery;

/// <summary>Work goes to a waiting connection before it is queued, and no handed work is lost when a wait ends.</summary>
public sealed class DestinationTests
{
    [Fact]
    public async Task Work_goes_to_the_connection_that_waited_least_and_is_queued_only_when_none_waits()
    {
        var destination = new Destination("relay.test");
        var older = destination.Wait(fresh: false);
        var newer = destination.Wait(fresh: false);
        Assert.Equal(2, destination.Idle);

        destination.Add(Item(1));
        Assert.Equal(1, (await newer.Value.Task).Message.Mid);
        Assert.False(older.Value.Task.IsCompleted);
        destination.Add(Item(2));
        destination.Add(Item(3));

        Assert.Equal(2, (await older.Value.Task).Message.Mid);
        Assert.Equal(0, destination.Idle);
        Assert.Equal([3L], destination.Items.Select(i => i.Message.Mid));
    }

    [Fact]
    public async Task A_wait_that_ends_either_gives_up_its_place_or_holds_the_work_handed_to_it()
    {
        var destination = new Destination("relay.test");
        var quiet = destination.Wait(fresh: false);
        Assert.True(destination.StopWaiting(quiet));
        destination.Add(Item(1));
        Assert.False(quiet.Value.Task.IsCompleted);
        Assert.Single(destination.Items);

        destination.Items.Clear();
        var handed = destination.Wait(fresh: true);
        destination.Add(Item(2));
        Assert.False(destination.StopWaiting(handed));
        Assert.Equal(2, (await handed.Value.Task).Message.Mid);
        Assert.Empty(destination.Items);
    }

    [Fact]
    public async Task A_connection_that_has_carried_nothing_yet_is_handed_work_before_one_that_has()
    {
        var destination = new Destination("relay.test");
        var fresh = destination.Wait(fresh: true);
        var used = destination.Wait(fresh: false);

        destination.Add(Item(1));
        destination.Add(Item(2));

        Assert.Equal(1, (await fresh.Value.Task).Message.Mid);
        Assert.Equal(2, (await used.Value.Task).Message.Mid);
    }

    private static WorkItem Item(long mid) => new(new QueuedMessage(new QueuedEnvelope { Mid = mid, Recipients = ["a@relay.test"] }, null, DateTimeOffset.UnixEpoch), [0]);
}
