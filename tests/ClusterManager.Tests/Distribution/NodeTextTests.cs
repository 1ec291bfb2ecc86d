using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;

namespace Gatehouse.ClusterManager.Tests.Distribution;

/// <summary>What a node says reaches the store, mails, logs and terminals bounded and printable.</summary>
[Trait("Category", "Security")]
public sealed class NodeTextTests
{
    [Fact]
    public void A_nacks_errors_are_cut_in_number_and_length_and_lose_their_control_characters()
    {
        var nack = new Nack { Version = 7, Nonce = "n" };
        for (var i = 0; i < 100; i++)
        {
            nack.Errors.Add(new ValidationError { Path = new string('p', 10_000), Message = "line\r\nFake: log line\u001b[2J" });
        }

        var bounded = NodeText.Bounded(nack);

        Assert.Equal((7, "n"), (bounded.Version, bounded.Nonce));
        Assert.Equal(NodeText.MaxErrors, bounded.Errors.Count);
        Assert.Equal(201, bounded.Errors[0].Path.Length);
        Assert.Equal("line  Fake: log line [2J", bounded.Errors[0].Message);
    }

    [Fact]
    public void A_hello_keeps_its_version_and_a_software_version_of_64_printable_characters()
    {
        var hello = NodeText.Bounded(new Hello { AppliedVersion = 3, SoftwareVersion = "1.0\n" + new string('x', 100) });

        Assert.Equal(3, hello.AppliedVersion);
        Assert.Equal("1.0 " + new string('x', 60) + "…", hello.SoftwareVersion);
    }

    [Fact]
    public async Task An_answers_error_is_bounded_before_anyone_reads_it()
    {
        var queries = new NodeQueries();
        var asked = new TaskCompletionSource<NodeQuery>();
        using var node = queries.Attach("node1", FakeNodeStream.Outbox("node1", message => asked.TrySetResult(message.Query)));
        var question = queries.AskAsync("node1", new NodeQuery(), TimeSpan.FromSeconds(10), CancellationToken.None);

        queries.Answered("node1", new QueryAnswer { Id = (await asked.Task).Id, Error = "\u001b]0;owned\u0007" + new string('e', 5000) });

        var error = (await question).Error;
        Assert.Equal(1001, error.Length);
        Assert.DoesNotContain(error, char.IsControl);
    }
}
