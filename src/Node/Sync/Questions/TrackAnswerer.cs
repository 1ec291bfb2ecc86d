using Gatehouse.Cluster.V1;
using Gatehouse.Node.Tracking;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>Message tracking: the messages of this node's index that match a search.</summary>
internal sealed class TrackAnswerer(MessageTracker tracker) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.Track;

    public async Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel) =>
        answer.Track = await tracker.SearchAsync(query.Track, cancel);
}
