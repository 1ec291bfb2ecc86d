using Gatehouse.Cluster.V1;
using Gatehouse.Node.Sync.Questions;

namespace Gatehouse.Node.Tests.Sync;

public sealed class ManagerQuestionsTests
{
    [Fact]
    public async Task A_question_is_answered_by_the_handler_of_its_kind_and_keeps_its_id()
    {
        using var questions = new ManagerQuestions([new Scripted(NodeQuery.KindOneofCase.Activity, a => a.Activity = new NodeActivity { Accepted = 7 })]);

        var answer = await questions.AnswerAsync(new NodeQuery { Id = "42", Activity = new ActivityQuestion() }, CancellationToken.None);

        Assert.Equal("42", answer.Id);
        Assert.Equal(7, answer.Activity.Accepted);
        Assert.Empty(answer.Error);
    }

    [Fact]
    public async Task A_kind_without_a_handler_is_refused_by_name()
    {
        using var questions = new ManagerQuestions([]);

        var answer = await questions.AnswerAsync(new NodeQuery { Id = "1", Activity = new ActivityQuestion() }, CancellationToken.None);

        Assert.Equal("not a question this node answers", answer.Error);
    }

    [Fact]
    public async Task An_expected_failure_becomes_the_answers_error()
    {
        using var questions = new ManagerQuestions([new Scripted(NodeQuery.KindOneofCase.Activity, _ => throw new IOException("No space left on device"))]);

        var answer = await questions.AnswerAsync(new NodeQuery { Id = "1", Activity = new ActivityQuestion() }, CancellationToken.None);

        Assert.Equal("No space left on device", answer.Error);
    }

    [Fact]
    public async Task A_third_question_while_two_are_answered_is_told_to_ask_again()
    {
        var release = new TaskCompletionSource();
        using var questions = new ManagerQuestions([new Scripted(NodeQuery.KindOneofCase.Activity, _ => { }, release.Task)]);
        var first = questions.AnswerAsync(new NodeQuery { Id = "1", Activity = new ActivityQuestion() }, CancellationToken.None);
        var second = questions.AnswerAsync(new NodeQuery { Id = "2", Activity = new ActivityQuestion() }, CancellationToken.None);

        var third = await questions.AnswerAsync(new NodeQuery { Id = "3", Activity = new ActivityQuestion() }, CancellationToken.None);
        release.SetResult();

        Assert.Equal("busy with other questions; ask again shortly", third.Error);
        Assert.Empty((await first).Error);
        Assert.Empty((await second).Error);
        Assert.Empty((await questions.AnswerAsync(new NodeQuery { Id = "4", Activity = new ActivityQuestion() }, CancellationToken.None)).Error);
    }

    [Fact]
    public void Two_handlers_for_one_kind_stop_the_start()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new ManagerQuestions(
            [new Scripted(NodeQuery.KindOneofCase.Track, _ => { }), new Scripted(NodeQuery.KindOneofCase.Track, _ => { })]));

        Assert.Equal("two answers to questions of kind Track", refused.Message);
    }

    private sealed class Scripted(NodeQuery.KindOneofCase kind, Action<QueryAnswer> answer, Task? hold = null) : IQuestionAnswerer
    {
        public NodeQuery.KindOneofCase Kind => kind;

        public async Task AnswerAsync(NodeQuery query, QueryAnswer reply, CancellationToken cancel)
        {
            await (hold ?? Task.CompletedTask);
            answer(reply);
        }
    }
}
