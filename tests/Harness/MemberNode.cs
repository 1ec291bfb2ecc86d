using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gatehouse.Harness;

/// <summary>
/// A node as the manager sees one, run by the test: it joins with its own key and token (the real
/// Join RPC), holds the real sync stream with its node certificate (mutual TLS, its own connection
/// from its own loopback address), and answers every snapshot with ACK at once. It applies
/// nothing: it stands for the control plane at scale, or for a member whose key an attacker holds
/// and who says and reads what the attacker wants.
/// </summary>
public sealed class MemberNode(string name, IPAddress source, Uri manager, X509Certificate2 clusterCa) : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();

    // A gRPC request stream takes one write at a time: the ACKs and what a test sends take turns.
    private readonly SemaphoreSlim writing = new(1, 1);
    private GrpcChannel? channel;
    private AsyncDuplexStreamingCall<NodeMessage, ManagerMessage>? sync;
    private Task? running;

    /// <summary>Every message the manager sent this node, in order (none while it does not read).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<ManagerMessage> Received { get; } = new();

    /// <summary>When this node sent its ACK for each version (Stopwatch ticks).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<long, long> Acked { get; } = new();

    public string Name => name;

    public async Task JoinAsync(string token)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(name);
        var csr = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        using var join = Channel(null);
        var answer = await new NodeService.NodeServiceClient(join).JoinAsync(new JoinRequest { Token = token, NodeName = name, CsrPem = csr });
        using var issued = X509Certificate2.CreateFromPem(answer.NodeCertificatePem);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Exported and read again: a key usable for TLS client authentication on Linux.
        channel = Channel(X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    /// <summary>Opens the sync stream; completes once the manager has answered the Hello.</summary>
    /// <param name="reads">False for a member that never reads what the manager sends.</param>
    /// <param name="hello">What it says of itself (by default a build of this schema that knows every setting).</param>
    public async Task ConnectAsync(bool reads = true, Hello? hello = null)
    {
        sync = new NodeService.NodeServiceClient(channel!).Sync(cancellationToken: stop.Token);
        await sync.RequestStream.WriteAsync(new NodeMessage { Hello = hello ?? new Hello { AppliedVersion = 0, SoftwareVersion = "simulated", KnownSettings = { Configuration.Schema.SettingNames.Known } } });
        await sync.ResponseHeadersAsync;
        running = reads ? AnswerAsync(sync) : Task.CompletedTask;
    }

    /// <summary>Says anything the contract allows on the open stream.</summary>
    public Task SendAsync(NodeMessage message) => WriteAsync(sync!, message);

    /// <summary>Whether the manager ended the stream (read from a member that does not otherwise read).</summary>
    public async Task<StatusCode?> EndedAsync(TimeSpan within)
    {
        try
        {
            using var wait = new CancellationTokenSource(within);
            while (await sync!.ResponseStream.MoveNext(wait.Token))
            {
            }

            return StatusCode.OK;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.DeadlineExceeded)
        {
            return e.StatusCode;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        sync?.Dispose();
        channel?.Dispose();
        stop.Dispose();
        writing.Dispose();
    }

    private async Task AnswerAsync(AsyncDuplexStreamingCall<NodeMessage, ManagerMessage> call)
    {
        using (call)
        {
            try
            {
                await foreach (var message in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    Received.Enqueue(message);
                    if (message.Snapshot is { } snapshot)
                    {
                        await WriteAsync(call, new NodeMessage { Ack = new Ack { Version = snapshot.Version, Nonce = snapshot.Nonce } });
                        Acked[snapshot.Version] = Stopwatch.GetTimestamp();
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException)
            {
                // Stopped.
            }
        }
    }

    private async Task WriteAsync(AsyncDuplexStreamingCall<NodeMessage, ManagerMessage> call, NodeMessage message)
    {
        await writing.WaitAsync();
        try
        {
            await call.RequestStream.WriteAsync(message);
        }
        finally
        {
            writing.Release();
        }
    }

    private GrpcChannel Channel(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : [certificate],
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && ChainsToCluster(presented),
            },
            // Each node its own source address, as separate machines would be.
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return GrpcChannel.ForAddress(manager, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private bool ChainsToCluster(X509Certificate presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(leaf);
    }
}
