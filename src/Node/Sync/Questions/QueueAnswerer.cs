using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>Queue control through the manager: summary, suspend, resume, delete, redirect.</summary>
internal sealed class QueueAnswerer(DeliveryQueue queue) : IQuestionAnswerer
{
    public NodeQuery.KindOneofCase Kind => NodeQuery.KindOneofCase.Queue;

    public async Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel)
    {
        var request = query.Queue;
        var (ok, message) = await QueueCommands.ExecuteAsync(queue, request.Op, request.Domain, request.Mid > 0 ? request.Mid : null, request.RedirectTo);
        answer.Queue = new QueueCommandResult { Ok = ok, Message = message };
    }
}
