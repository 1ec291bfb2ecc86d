using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.ClusterManager.Tests.Distribution;

/// <summary>A node's stream as the manager writes it, each message handed to <c>write</c>.</summary>
internal sealed class FakeNodeStream(Func<ManagerMessage, Task> write) : IServerStreamWriter<ManagerMessage>
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(ManagerMessage message) => write(message);

    public Task WriteAsync(ManagerMessage message, CancellationToken cancellationToken) => write(message);

    /// <summary>An outbox on such a stream; <paramref name="cutOff"/> counts how often the node was cut off.</summary>
    public static NodeOutbox Outbox(string node, Func<ManagerMessage, Task> write, TimeSpan? deadline = null, Action? cutOff = null, CancellationToken cancel = default) =>
        new(node, new FakeNodeStream(write), deadline ?? TimeSpan.FromSeconds(30), cutOff ?? (() => { }), NullLogger.Instance, cancel);

    public static NodeOutbox Outbox(string node, Action<ManagerMessage> write) =>
        Outbox(node, message => { write(message); return Task.CompletedTask; });
}
