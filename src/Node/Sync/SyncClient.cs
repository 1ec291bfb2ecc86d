using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;
using Gatehouse.Node.Applying;
using Gatehouse.Node.Delivery.DomainPolicies;
using Gatehouse.Node.Model;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Sync.Questions;
using Grpc.Core;
using Polly;
using Polly.Retry;

namespace Gatehouse.Node.Sync;

/// <summary>
/// Keeps the node's stream to a manager open (CL-6, CL-7): says which version it runs,
/// applies each pushed snapshot and answers ACK or NACK, sends heartbeats, renews the node's
/// certificate when it is due, and reconnects with jittered exponential backoff, trying the
/// next manager URL each time. A manager that refuses the node's certificate never stops mail:
/// the node serves on its last good configuration and says why in its status; only a node
/// removed from the cluster stops (CL-3).
/// </summary>
internal sealed partial class SyncClient(
    NodeIdentity identity, NodePaths paths, SnapshotApplier applier, CurrentConfig current, NodeStatusFile status, ManagerQuestions questions, ManagerLink link,
    MtaStsResolver mtaSts, HarvestSharing harvest, SyncTimings timings, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<SyncClient> logger) : BackgroundService
{
    /// <summary>Exit code of <c>run</c> when the manager says the node is no longer a member.</summary>
    public const int RemovedExitCode = 3;

    private int nextManager;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
                status.Update(s => s with
                {
                    Connected = false,
                    LastError = args.Outcome.Exception is RpcException { StatusCode: StatusCode.Unauthenticated } refused
                        ? $"the manager refuses this node's certificate: {refused.Status.Detail}; serving mail on version {current.Version}"
                        : $"manager unreachable: {reason}",
                });
                LogRetry(logger, reason, args.RetryDelay.TotalSeconds);
                return ValueTask.CompletedTask;
            },
        }).Build();

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A session that got through ends normally; the next one starts a fresh backoff.
                await pipeline.ExecuteAsync(token => new ValueTask(RunSessionAsync(ca, token)), stoppingToken);
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

    private async Task RunSessionAsync(X509Certificate2 ca, CancellationToken cancel)
    {
        // Read at every session: a renewal replaces it on disk.
        using var certificate = NodeIdentity.LoadCertificate(paths);
        var manager = identity.Managers[nextManager++ % identity.Managers.Count];
        using var channel = ManagerTls.ForMember(manager, certificate, ca);
        var client = new NodeService.NodeServiceClient(channel);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var call = client.Sync(cancellationToken: session.Token);
        using var writer = new SerialWriter(call.RequestStream);
        await writer.WriteAsync(new NodeMessage { Hello = new Hello { AppliedVersion = current.Version, SoftwareVersion = Runtime.BuildVersion.Text, KnownSettings = { Configuration.Schema.SettingNames.Known } } });
        await call.ResponseHeadersAsync;
        status.Update(s => s with { Connected = true, Manager = manager.ToString(), LastContact = time.GetUtcNow() });
        LogConnected(logger, manager.ToString(), current.Version);
        using var renewal = new Renewal(certificate);
        var heartbeats = HeartbeatAsync(writer, renewal, session.Token);
        var sharing = ShareStsPoliciesAsync(writer, session.Token);
        var harvestReports = harvest.ReportAsync(writer.WriteAsync, session.Token);
        link.Open(writer.WriteAsync);
        try
        {
            while (await call.ResponseStream.MoveNext(session.Token))
            {
                var message = call.ResponseStream.Current;
                if (message.Snapshot is { } snapshot)
                {
                    await writer.WriteAsync(Answer(snapshot));
                }
                else if (message.StsPolicy is { } policy)
                {
                    mtaSts.Learn(policy);
                }
                else if (message.InvalidRecipients is { } relayed)
                {
                    harvest.Learn(relayed);
                }
                else if (message.KindCase == ManagerMessage.KindOneofCase.StsForget)
                {
                    mtaSts.Forget(message.StsForget);
                }
                else if (message.Query is { } query)
                {
                    // Answered beside the stream: a slow destination must not hold up pushes.
                    _ = AnswerQueryAsync(writer, query, session.Token);
                }
                else if (message.Renewed is { } renewed && renewal.Key is { } key && Renewed(renewed, key, ca))
                {
                    // The next session presents the new certificate.
                    break;
                }
            }
        }
        catch (RpcException e) when (!IsRemoved(e) && e.StatusCode != StatusCode.Unauthenticated)
        {
            // A refused certificate shows here, at the first read: it goes to the backoff below, not round again at once.
            LogSessionEnded(logger, e.Status.StatusCode.ToString(), e.Status.Detail);
        }
        finally
        {
            link.Close();
            await session.CancelAsync();
            await heartbeats;
            await sharing;
            await harvestReports;
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

    private async Task AnswerQueryAsync(SerialWriter writer, NodeQuery query, CancellationToken cancel)
    {
        var answer = await questions.AnswerAsync(query, cancel);
        try
        {
            await writer.WriteAsync(new NodeMessage { Answer = answer });
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The stream ended meanwhile; the manager's question times out.
        }
    }

    // True when the new certificate is in place.
    private bool Renewed(Renewed renewed, System.Security.Cryptography.ECDsa key, X509Certificate2 ca)
    {
        var problem = renewed.Error.Length > 0 ? renewed.Error : NodeCertificateFiles.Install(paths, key, renewed.NodeCertificatePem, ca);
        if (problem is not null)
        {
            status.Update(s => s with { LastError = $"certificate renewal failed: {problem}" });
            LogRenewalFailed(logger, problem);
            return false;
        }

        LogRenewed(logger);
        return true;
    }

    private async Task HeartbeatAsync(SerialWriter writer, Renewal renewal, CancellationToken cancel)
    {
        try
        {
            while (true)
            {
                if (renewal.Key is null && Cluster.Membership.RenewalWindow.IsOpen(renewal.Certificate, time.GetUtcNow()))
                {
                    var (key, csr) = NodeCertificateFiles.NewRequest(identity.Name);
                    renewal.Key = key;
                    LogRenewing(logger, renewal.Certificate.NotAfter.ToUniversalTime());
                    await writer.WriteAsync(new NodeMessage { Renew = new RenewRequest { CsrPem = csr } });
                }

                await Task.Delay(timings.Heartbeat, cancel);
                await writer.WriteAsync(new NodeMessage { Heartbeat = new Heartbeat { AppliedVersion = current.Version } });
                status.Update(s => s with { LastContact = time.GetUtcNow() });
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The session is over; the sync loop decides what comes next.
        }
    }

    // The MTA-STS policies this node fetches go to the manager, which shares them with the other nodes.
    private async Task ShareStsPoliciesAsync(SerialWriter writer, CancellationToken cancel)
    {
        try
        {
            await foreach (var policy in mtaSts.Fetched.ReadAllAsync(cancel))
            {
                await writer.WriteAsync(new NodeMessage { StsPolicy = policy });
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The session is over; what was not sent is fetched by the other nodes themselves.
        }
    }

    // Removal is the only refusal that stops the node; a refused certificate is retried (see the class).
    private static bool IsRemoved(Exception e) =>
        e is RpcException { StatusCode: StatusCode.PermissionDenied };

    // Questions answered at once; more wait for none of them (the admin asks again).

    /// <summary>One session's certificate and the new key of a renewal asked for in it.</summary>
    private sealed class Renewal(X509Certificate2 certificate) : IDisposable
    {
        public X509Certificate2 Certificate => certificate;

        public System.Security.Cryptography.ECDsa? Key { get; set; }

        public void Dispose() => Key?.Dispose();
    }

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

    [LoggerMessage(1200, LogLevel.Information, "Connected to manager {Manager}, running version {Version}")]
    private static partial void LogConnected(ILogger logger, string manager, long version);

    [LoggerMessage(1201, LogLevel.Warning, "Manager unreachable ({Reason}); retrying in {Seconds:F1}s")]
    private static partial void LogRetry(ILogger logger, string reason, double seconds);

    [LoggerMessage(1202, LogLevel.Critical, "The manager refused this node: {Reason}")]
    private static partial void LogRemoved(ILogger logger, string reason);

    [LoggerMessage(1204, LogLevel.Information, "The node certificate ends {NotAfter:u}; asking the manager to renew it")]
    private static partial void LogRenewing(ILogger logger, DateTime notAfter);

    [LoggerMessage(1205, LogLevel.Information, "The node certificate was renewed; reconnecting with it")]
    private static partial void LogRenewed(ILogger logger);

    [LoggerMessage(1206, LogLevel.Warning, "Certificate renewal failed: {Reason}")]
    private static partial void LogRenewalFailed(ILogger logger, string reason);

    [LoggerMessage(1203, LogLevel.Information, "Sync stream ended: {Code} {Detail}")]
    private static partial void LogSessionEnded(ILogger logger, string code, string detail);
}
