using Gatehouse.Cluster.V1;
using Gatehouse.Node.Metrics;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>The node's activity of the last hour, for the cluster status.</summary>
internal sealed class ActivityAnswerer(NodeActivityReport activity) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.Activity;

    public Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        answer.Activity = activity.Now();
        return Task.CompletedTask;
    }
}
