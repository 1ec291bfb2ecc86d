using Gatehouse.Manager.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Gatehouse.ClusterManager.Store;

/// <summary>Node questions between replicas over Redis pub/sub: one channel for questions, one per replica for its answers, one for broadcasts.</summary>
internal sealed partial class RedisStore : IReplicaChannel
{
    public string ReplicaId { get; } = Guid.NewGuid().ToString("N");

    public Task<long> PublishQuestionAsync(RelayedQuestion question) =>
        Call(() => redis.GetSubscriber().PublishAsync(QuestionsChannel, question.ToByteArray()));

    public Task PublishAnswerAsync(string replica, RelayedAnswer answer) =>
        Call(() => redis.GetSubscriber().PublishAsync(AnswersChannel(replica), answer.ToByteArray()));

    public Task PublishBroadcastAsync(RelayedBroadcast broadcast) =>
        Call(() => redis.GetSubscriber().PublishAsync(BroadcastsChannel, broadcast.ToByteArray()));

    public async Task SubscribeAsync(Action<RelayedQuestion> question, Action<RelayedAnswer> answer, Action<RelayedBroadcast> broadcast)
    {
        // A message that does not parse is dropped: only replicas write these channels.
        await Call(() => redis.GetSubscriber().SubscribeAsync(QuestionsChannel, (_, value) => Read(value, RelayedQuestion.Parser, question)));
        await Call(() => redis.GetSubscriber().SubscribeAsync(AnswersChannel(ReplicaId), (_, value) => Read(value, RelayedAnswer.Parser, answer)));
        await Call(() => redis.GetSubscriber().SubscribeAsync(BroadcastsChannel, (_, value) => Read(value, RelayedBroadcast.Parser, broadcast)));
    }

    private static void Read<T>(RedisValue value, MessageParser<T> parser, Action<T> handle)
        where T : IMessage<T>
    {
        T message;
        try
        {
            message = parser.ParseFrom((byte[])value!);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }

        handle(message);
    }

    private RedisChannel QuestionsChannel => RedisChannel.Literal($"{prefix}:node-questions");

    private RedisChannel BroadcastsChannel => RedisChannel.Literal($"{prefix}:node-broadcasts");

    private RedisChannel AnswersChannel(string replica) => RedisChannel.Literal($"{prefix}:node-answers:{replica}");
}
