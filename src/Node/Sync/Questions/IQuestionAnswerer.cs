using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>
/// One kind of question the manager asks over the node's stream, and how the node answers it:
/// the answer's own field, or <see cref="QueryAnswer.Error"/> with why not. A failure the node
/// expects (a destination that does not answer, a spool that cannot write) is thrown as
/// <see cref="InvalidOperationException"/>, <see cref="IOException"/> or a socket error and
/// becomes the error (<see cref="ManagerQuestions"/>).
/// </summary>
internal interface IQuestionAnswerer
{
    NodeQuery.KindOneofCase Kind { get; }

    Task AnswerAsync(NodeQuery query, QueryAnswer answer, CancellationToken cancel);
}
