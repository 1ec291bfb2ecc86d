using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;
using Gatehouse.Node.Configuration;
using Gatehouse.Node.Hosting;
using Gatehouse.Node.Model;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Gatehouse.Node.Sync;

/// <summary>
/// Keeps the node's stream to a manager open (CL-6, CL-7): says which version it runs,
/// applies each pushed snapshot and answers ACK or NACK, sends heartbeats, and reconnects
/// with jittered exponential backoff, trying the next manager URL each time.
/// </summary>
internal sealed partial class SyncClient(
    NodeIdentity identity, NodePaths paths, SnapshotApplier applier, CurrentConfig current, NodeStatusFile status,
    SyncTimings timings, IHostApplicationLifetime lifetime, ILogger<SyncClient> logger) : BackgroundService
{
    /// <summary>Exit code of <c>run</c> when the manager says the node is no longer a member.</summary>
    public const int RemovedExitCode = 3;

    private int nextManager;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var certificate = NodeIdentity.LoadCertificate(paths);
        using var ca = NodeIdentity.LoadClusterCa(paths);
        var pipeline = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException && !IsRemoved(e)),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = timings.FirstRetry,
            MaxDelay = timings.MaxRetry,
            OnRetry = args =>
            {
                var reason = args.Outcome.Exception?.Message ?? "stream ended";
                status.Update(s => s with { Connected = false, LastError = $"manager unreachable: {reason}" });
                LogRetry(logger, reason, args.RetryDelay.TotalSeconds);
                return ValueTask.CompletedTask;
            },
        }).Build();

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A session that got through ends normally; the next one starts a fresh backoff.
                await pipeline.ExecuteAsync(token => new ValueTask(RunSessionAsync(certificate, ca, token)), stoppingToken);
                await Task.Delay(timings.FirstRetry * Random.Shared.NextDouble(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (IsRemoved(e))
            {
                status.Update(s => s with { Connected = false, LastError = e.Status.Detail });
                LogRemoved(logger, e.Status.Detail);
                Environment.ExitCode = RemovedExitCode;
                lifetime.StopApplication();
                return;
            }
        }
    }

    private async Task RunSessionAsync(X509Certificate2 certificate, X509Certificate2 ca, CancellationToken cancel)
    {
        var manager = identity.Managers[nextManager++ % identity.Managers.Count];
        using var channel = ManagerTls.ForMember(manager, certificate, ca);
        var client = new NodeService.NodeServiceClient(channel);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var call = client.Sync(cancellationToken: session.Token);
        using var writer = new SerialWriter(call.RequestStream);
        await writer.WriteAsync(new NodeMessage { Hello = new Hello { AppliedVersion = current.Version, SoftwareVersion = SoftwareVersion } });
        await call.ResponseHeadersAsync;
        status.Update(s => s with { Connected = true, Manager = manager.ToString(), LastContact = DateTimeOffset.UtcNow });
        LogConnected(logger, manager.ToString(), current.Version);
        var heartbeats = HeartbeatAsync(writer, session.Token);
        try
        {
            while (await call.ResponseStream.MoveNext(session.Token))
            {
                if (call.ResponseStream.Current.Snapshot is { } snapshot)
                {
                    await writer.WriteAsync(Answer(snapshot));
                }
            }
        }
        catch (RpcException e) when (!IsRemoved(e))
        {
            LogSessionEnded(logger, e.Status.StatusCode.ToString(), e.Status.Detail);
        }
        finally
        {
            await session.CancelAsync();
            await heartbeats;
            status.Update(s => s with { Connected = false });
        }
    }

    private NodeMessage Answer(Snapshot snapshot)
    {
        var errors = applier.Apply(snapshot);
        if (errors.Count == 0)
        {
            return new NodeMessage { Ack = new Ack { Version = snapshot.Version, Nonce = snapshot.Nonce } };
        }

        status.Update(s => s with
        {
            LastError = $"version {snapshot.Version} refused: {string.Join("; ", errors.Select(ValidationErrors.Format))}",
        });
        return new NodeMessage { Nack = new Nack { Version = snapshot.Version, Nonce = snapshot.Nonce, Errors = { errors } } };
    }

    private async Task HeartbeatAsync(SerialWriter writer, CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                await Task.Delay(timings.Heartbeat, cancel);
                await writer.WriteAsync(new NodeMessage { Heartbeat = new Heartbeat { AppliedVersion = current.Version } });
                status.Update(s => s with { LastContact = DateTimeOffset.UtcNow });
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The session is over; the sync loop decides what comes next.
        }
    }

    private static bool IsRemoved(Exception e) =>
        e is RpcException { StatusCode: StatusCode.PermissionDenied or StatusCode.Unauthenticated };

    private static string SoftwareVersion =>
        typeof(SyncClient).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>ACKs and heartbeats come from two tasks; a gRPC stream takes one write at a time.</summary>
    private sealed class SerialWriter(IClientStreamWriter<NodeMessage> stream) : IDisposable
    {
        private readonly SemaphoreSlim gate = new(1, 1);

        public void Dispose() => gate.Dispose();

        public async Task WriteAsync(NodeMessage message)
        {
            await gate.WaitAsync();
            try
            {
                await stream.WriteAsync(message);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    [LoggerMessage(300, LogLevel.Information, "Connected to manager {Manager}, running version {Version}")]
    private static partial void LogConnected(ILogger logger, string manager, long version);

    [LoggerMessage(301, LogLevel.Warning, "Manager unreachable ({Reason}); retrying in {Seconds:F1}s")]
    private static partial void LogRetry(ILogger logger, string reason, double seconds);

    [LoggerMessage(302, LogLevel.Critical, "The manager refused this node: {Reason}")]
    private static partial void LogRemoved(ILogger logger, string reason);

    [LoggerMessage(303, LogLevel.Information, "Sync stream ended: {Code} {Detail}")]
    private static partial void LogSessionEnded(ILogger logger, string code, string detail);
}
