using Gatehouse.Cluster;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Tracking;
using Google.Protobuf;

namespace Gatehouse.Node.Tests.Tracking;

public sealed class TrackingAnswerSizeTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-tracking-").FullName;

    [Fact]
    public void An_answer_at_the_caps_is_cut_to_fit_one_message_of_the_stream_and_says_so()
    {
        using var index = new TrackingIndex(directory);
        var at = DateTimeOffset.UtcNow;
        var line = "Info: " + new string('x', 1000);
        index.Write(changes =>
        {
            for (var mid = 1; mid <= TrackingIndex.MaxResults; mid++)
            {
                changes.StartMessage(mid, at.AddSeconds(mid), 1, "In", "Data1", "192.0.2.1:25", "", 0);
                for (var e = 0; e < TrackingIndex.MaxEventsPerMessage; e++)
                {
                    changes.AddEvent(mid, at.AddSeconds(mid), line);
                }
            }
        });

        var answer = index.Search(new TrackQuery());
        var sent = new QueryAnswer { Id = Guid.NewGuid().ToString(), Track = answer };

        // 200 messages of 200 lines of 1 KB each are 40 MB: far more than one message may carry.
        Assert.True(answer.Truncated);
        Assert.InRange(answer.Messages.Count, 1, TrackingIndex.MaxResults - 1);
        Assert.InRange(new NodeMessage { Answer = sent }.CalculateSize(), StreamLimits.NodeToManager / 2, StreamLimits.NodeToManager);
        Assert.All(answer.Messages, m => Assert.Equal(TrackingIndex.MaxEventsPerMessage, m.Events.Count));
        Assert.Equal(TrackingIndex.MaxResults, (int)answer.Messages[0].Mid);
    }

    [Fact]
    public void An_answer_that_fits_is_whole()
    {
        using var index = new TrackingIndex(directory);
        index.Write(changes => changes.AddEvent(5, DateTimeOffset.UtcNow, "Info: MID 5 queued for delivery"));

        var answer = index.Search(new TrackQuery());

        Assert.False(answer.Truncated);
        Assert.Equal(5, Assert.Single(answer.Messages).Mid);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
