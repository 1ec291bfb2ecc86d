using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;

namespace Gatehouse.ClusterManager.Tests.Distribution;

/// <summary>Questions relayed to a node (tlsverify) take their answer from that node only.</summary>
[Trait("Category", "Security")]
public sealed class NodeQueriesTests
{
    [Fact]
    public async Task An_answer_from_another_node_or_with_another_id_does_not_answer_the_question()
    {
        var queries = new NodeQueries();
        var asked = new TaskCompletionSource<NodeQuery>();
        using var node1 = queries.Attach("node1", FakeNodeStream.Outbox("node1", message => asked.TrySetResult(message.Query)));
        using var node2 = queries.Attach("node2", FakeNodeStream.Outbox("node2", _ => { }));

        var question = queries.AskAsync("node1", new NodeQuery { TlsVerifyDomain = "example.test" }, TimeSpan.FromSeconds(10), CancellationToken.None);
        var id = (await asked.Task).Id;
        queries.Answered("node2", new QueryAnswer { Id = id, Error = "forged by node2" });
        queries.Answered("node1", new QueryAnswer { Id = "not-the-id", Error = "stale" });
        await Task.Delay(100);
        Assert.False(question.IsCompleted);

        queries.Answered("node1", new QueryAnswer { Id = id, TlsVerify = new TlsVerifyReport { Domain = "example.test" } });
        Assert.Equal("example.test", (await question).TlsVerify.Domain);
    }

    [Fact]
    public async Task A_node_that_is_not_connected_or_stays_silent_is_reported_as_such()
    {
        var queries = new NodeQueries();
        using var silent = queries.Attach("node1", FakeNodeStream.Outbox("node1", _ => { }));

        var absent = await Assert.ThrowsAsync<NodeUnreachableException>(() => queries.AskAsync("ghost", new NodeQuery(), TimeSpan.FromSeconds(1), CancellationToken.None));
        var mute = await Assert.ThrowsAsync<NodeUnreachableException>(() => queries.AskAsync("node1", new NodeQuery(), TimeSpan.FromMilliseconds(200), CancellationToken.None));

        Assert.Equal("node ghost is not connected to this manager", absent.Message);
        Assert.StartsWith("node node1 did not answer within", mute.Message, StringComparison.Ordinal);
    }
}
