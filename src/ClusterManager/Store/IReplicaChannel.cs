using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// How replicas on one store reach each other's node streams: a question goes to every replica,
/// the one that holds the node's stream asks it and sends the answer back to the asker alone; a
/// broadcast goes to every replica, each passing it to the nodes connected to it.
/// </summary>
internal interface IReplicaChannel
{
    /// <summary>This replica, as answers address it.</summary>
    string ReplicaId { get; }

    /// <summary>Publishes the question to every replica; how many replicas (this one among them) received it.</summary>
    Task<long> PublishQuestionAsync(RelayedQuestion question);

    Task PublishAnswerAsync(string replica, RelayedAnswer answer);

    Task PublishBroadcastAsync(RelayedBroadcast broadcast);

    Task SubscribeAsync(Action<RelayedQuestion> question, Action<RelayedAnswer> answer, Action<RelayedBroadcast> broadcast);
}
