using System.Net.Sockets;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Sync.Questions;

/// <summary>
/// The questions a node answers, by kind: the table below is every one of them. At most two are
/// answered at a time; more are told to ask again, so a manager cannot queue work without bound.
/// </summary>
internal sealed class ManagerQuestions : IDisposable
{
    private const int AtOnce = 2;
    private readonly SemaphoreSlim answering = new(AtOnce, AtOnce);
    private readonly Dictionary<NodeQuery.KindOneofCase, IQuestionAnswerer> byKind;

    public ManagerQuestions(IEnumerable<IQuestionAnswerer> questions)
    {
        byKind = [];
        foreach (var question in questions)
        {
            if (!byKind.TryAdd(question.Kind, question))
            {
                throw new InvalidOperationException($"two answers to questions of kind {question.Kind}");
            }
        }
    }

    public static IServiceCollection AddTo(IServiceCollection services) => services
        .AddSingleton<IQuestionAnswerer, TlsVerifyAnswerer>()
        .AddSingleton<IQuestionAnswerer, QueueAnswerer>()
        .AddSingleton<IQuestionAnswerer, ActivityAnswerer>()
        .AddSingleton<IQuestionAnswerer, TrackAnswerer>()
        .AddSingleton<IQuestionAnswerer, TlsReportDayAnswerer>()
        .AddSingleton<IQuestionAnswerer, TlsReportSendAnswerer>()
        .AddSingleton<IQuestionAnswerer, DmarcReportDayAnswerer>()
        .AddSingleton<IQuestionAnswerer, DmarcReportSendAnswerer>()
        .AddSingleton<IQuestionAnswerer, AlertAnswerer>()
        .AddSingleton<ManagerQuestions>();

    public async Task<QueryAnswer> AnswerAsync(NodeQuery query, CancellationToken cancel)
    {
        var answer = new QueryAnswer { Id = query.Id };
        if (!byKind.TryGetValue(query.KindCase, out var question))
        {
            answer.Error = "not a question this node answers";
            return answer;
        }

        if (!answering.Wait(0, CancellationToken.None))
        {
            answer.Error = "busy with other questions; ask again shortly";
            return answer;
        }

        try
        {
            await question.AnswerAsync(query, answer, cancel);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or SocketException
            || (e is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            answer.Error = e.Message;
        }
        finally
        {
            answering.Release();
        }

        return answer;
    }

    public void Dispose() => answering.Dispose();
}
