using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Grpc.Core;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// One node's sync stream (CL-6): pushes the newest version whenever it is newer than what
/// the node runs or was last sent, and records the node's ACK, NACK and heartbeats. Answers carrying a
/// nonce other than the last one sent are stale and ignored.
/// </summary>
internal sealed partial class NodeStream(
    IManagerStore store, SnapshotBuilder snapshots, VersionSignal signal, NodeConnections connections,
    NodeStatus status, NodeAuthenticator members, NodeCertificateRenewal renewal, NodeQueries queries, SharedStsPolicies stsPolicies, HarvestRelay harvest, Alerts.ClusterSightings sightings, NodeStreamLimits limits, TimeProvider time, ILogger<NodeStream> logger)
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(30);

    // Heartbeats more often than this (a node beats every 10 s) are not written to the store.
    private static readonly TimeSpan MinHeartbeatGap = TimeSpan.FromSeconds(5);

    public async Task RunAsync(
        string node, System.Security.Cryptography.X509Certificates.X509Certificate2 presented, string peer,
        IAsyncStreamReader<NodeMessage> requests, IServerStreamWriter<ManagerMessage> responses, Action abort, CancellationToken callCancelled)
    {
        var serial = presented.SerialNumber;
        using var connection = connections.Register(node, callCancelled);
        var cancel = connection.Token;
        try
        {
            var hello = NodeText.Bounded(await ReadHelloAsync(requests, cancel));
            if (SkewPolicy.Refusal(hello) is { } refusal)
            {
                LogSkewRefused(logger, node, refusal);
                throw new RpcException(new Status(StatusCode.FailedPrecondition, refusal));
            }

            await status.ConnectedAsync(node, peer, hello);
            LogConnected(logger, node, peer, hello.AppliedVersion);
            var session = new Session(hello.AppliedVersion);
            var outbox = new NodeOutbox(node, responses, limits.WriteDeadline, () => { connection.Cancel(); abort(); }, logger, cancel);
            using var reachable = queries.Attach(node, outbox);
            foreach (var policy in await stsPolicies.ValidAsync(cancel))
            {
                await outbox.SendAsync(new ManagerMessage { StsPolicy = policy }, cancel);
            }

            var reading = ReadAnswersAsync(node, presented, session, outbox, requests, cancel);
            while (!reading.IsCompleted && !outbox.Writing.IsCompleted)
            {
                var committed = signal.Next();
                // Removed on another replica, or just after this stream was admitted: nothing more goes out.
                if (await members.CurrentMemberAsync(node, serial, cancel) is null)
                {
                    LogNoLongerMember(logger, node);
                    throw new RpcException(new Status(StatusCode.PermissionDenied, NodeAuthenticator.RemovedMessage));
                }

                var latest = await store.GetLatestAsync(cancel);
                // Only forward: a replica whose view is older than what the node runs sends nothing.
                if (latest.Version > session.SentVersion)
                {
                    var snapshot = snapshots.Build(latest, node);
                    session.Sent(snapshot.Version, snapshot.Nonce);
                    await outbox.SendAsync(new ManagerMessage { Snapshot = snapshot }, cancel);
                    LogPushed(logger, node, snapshot.Version);
                }

                await Task.WhenAny(reading, outbox.Writing, VersionSignal.WaitAsync(committed, Recheck, cancel));
            }

            outbox.Complete();
            await outbox.Writing;
            await reading;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Node removed, replaced by a newer stream, or the call ended.
        }
        catch (IOException e)
        {
            LogBroken(logger, node, e.Message);
        }
        finally
        {
            connections.Unregister(node, connection);
            if (!connections.IsConnected(node))
            {
                await status.DisconnectedAsync(node);
            }

            LogDisconnected(logger, node);
        }
    }

    private static async Task<Hello> ReadHelloAsync(IAsyncStreamReader<NodeMessage> requests, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(HelloTimeout);
        if (!await requests.MoveNext(timeout.Token) || requests.Current.KindCase != NodeMessage.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a sync stream must start with Hello"));
        }

        return requests.Current.Hello;
    }

    private async Task ReadAnswersAsync(
        string node, System.Security.Cryptography.X509Certificates.X509Certificate2 presented, Session session, NodeOutbox outbox,
        IAsyncStreamReader<NodeMessage> requests, CancellationToken cancel)
    {
        while (await requests.MoveNext(cancel))
        {
            var message = requests.Current;
            switch (message.KindCase)
            {
                case NodeMessage.KindOneofCase.Ack when session.IsCurrent(message.Ack.Nonce):
                    await status.AppliedAsync(node, message.Ack.Version);
                    LogAck(logger, node, message.Ack.Version);
                    break;
                case NodeMessage.KindOneofCase.Nack when session.IsCurrent(message.Nack.Nonce):
                    await status.RejectedAsync(node, NodeText.Bounded(message.Nack));
                    LogNack(logger, node, message.Nack.Version, message.Nack.Errors.Count);
                    break;
                case NodeMessage.KindOneofCase.Renew:
                    var renewed = await renewal.RenewAsync(node, presented, message.Renew.CsrPem, cancel);
                    LogRenewal(logger, node, renewed.Error.Length == 0 ? "renewed" : renewed.Error);
                    await outbox.SendAsync(new ManagerMessage { Renewed = renewed }, cancel);
                    break;
                case NodeMessage.KindOneofCase.Answer:
                    queries.Answered(node, message.Answer);
                    break;
                case NodeMessage.KindOneofCase.StsPolicy:
                    await stsPolicies.LearnedAsync(node, message.StsPolicy, cancel);
                    break;
                case NodeMessage.KindOneofCase.InvalidRecipients:
                    await harvest.ReportedAsync(node, message.InvalidRecipients);
                    break;
                case NodeMessage.KindOneofCase.RequiredTlsFailure:
                    await sightings.RequiredTlsFailedAsync(node, message.RequiredTlsFailure, cancel);
                    break;
                case NodeMessage.KindOneofCase.ScannerDown:
                    await sightings.ScannerDownAsync(node, message.ScannerDown, cancel);
                    break;
                case NodeMessage.KindOneofCase.Heartbeat when session.RecordsHeartbeat(message.Heartbeat.AppliedVersion, time.GetUtcNow()):
                    await status.SeenAsync(node, message.Heartbeat.AppliedVersion);
                    break;
                case NodeMessage.KindOneofCase.Heartbeat:
                    // More often than a node beats: nothing new to write to the store.
                    break;
                default:
                    LogStale(logger, node, message.KindCase.ToString());
                    break;
            }
        }
    }

    /// <summary>What one stream has sent: the version and the nonce its answers must carry.</summary>
    private sealed class Session(long applied)
    {
        private string nonce = "";

        public long SentVersion { get; private set; } = applied;

        public void Sent(long version, string newNonce)
        {
            SentVersion = version;
            Volatile.Write(ref nonce, newNonce);
        }

        public bool IsCurrent(string answered) => answered == Volatile.Read(ref nonce);

        /// <summary>Whether a heartbeat is worth a store write: a new version, or the first for a while.</summary>
        public bool RecordsHeartbeat(long version, DateTimeOffset now)
        {
            if (version == lastBeatVersion && now - lastBeatWritten < MinHeartbeatGap)
            {
                return false;
            }

            (lastBeatVersion, lastBeatWritten) = (version, now);
            return true;
        }

        private long lastBeatVersion = -1;
        private DateTimeOffset lastBeatWritten;
    }

    [LoggerMessage(100, LogLevel.Information, "Node {Node} connected from {Peer}, running version {Version}")]
    private static partial void LogConnected(ILogger logger, string node, string peer, long version);

    [LoggerMessage(101, LogLevel.Information, "Pushed version {Version} to node {Node}")]
    private static partial void LogPushed(ILogger logger, string node, long version);

    [LoggerMessage(102, LogLevel.Information, "Node {Node} applied version {Version}")]
    private static partial void LogAck(ILogger logger, string node, long version);

    [LoggerMessage(103, LogLevel.Warning, "Node {Node} refused version {Version} with {Count} errors")]
    private static partial void LogNack(ILogger logger, string node, long version, int count);

    [LoggerMessage(104, LogLevel.Debug, "Node {Node} sent a stale or unexpected {Kind}")]
    private static partial void LogStale(ILogger logger, string node, string kind);

    [LoggerMessage(105, LogLevel.Information, "Node {Node} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string node);

    [LoggerMessage(108, LogLevel.Information, "Certificate renewal for node {Node}: {Outcome}")]
    private static partial void LogRenewal(ILogger logger, string node, string outcome);

    [LoggerMessage(107, LogLevel.Warning, "Node {Node} is no longer a member; its stream is closed")]
    private static partial void LogNoLongerMember(ILogger logger, string node);

    [LoggerMessage(109, LogLevel.Warning, "Node {Node} was refused its stream: {Reason}")]
    private static partial void LogSkewRefused(ILogger logger, string node, string reason);

    [LoggerMessage(106, LogLevel.Warning, "Stream of node {Node} broke: {Reason}")]
    private static partial void LogBroken(ILogger logger, string node, string reason);
}
