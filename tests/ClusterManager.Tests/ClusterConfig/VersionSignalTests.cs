using Gatehouse.ClusterManager.ClusterConfig;

namespace Gatehouse.ClusterManager.Tests.ClusterConfig;

public sealed class VersionSignalTests
{
    [Fact]
    public async Task A_commit_published_between_reading_the_store_and_waiting_still_wakes_the_stream()
    {
        var signal = new VersionSignal();
        var next = signal.Next();      // taken before the store is read
        signal.Publish();              // a commit lands meanwhile

        var woke = VersionSignal.WaitAsync(next, TimeSpan.FromMinutes(5), CancellationToken.None);

        Assert.Same(woke, await Task.WhenAny(woke, Task.Delay(TimeSpan.FromSeconds(5))));
    }
}
