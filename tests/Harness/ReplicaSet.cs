using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Two manager replicas on one Redis of their own, the second sharing the first's CA, secrets
/// key and admin token, in a temporary folder that goes with them.
/// </summary>
public sealed class ReplicaSet : IAsyncDisposable
{
    private ReplicaSet(string root, RedisServer redis, ManagerInstance first, ManagerInstance second) =>
        (Root, Redis, First, Second) = (root, redis, first, second);

    public string Root { get; }

    public RedisServer Redis { get; }

    public ManagerInstance First { get; }

    public ManagerInstance Second { get; }

    public static async Task<ReplicaSet> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("gatehouse-replicas-").FullName;
        // Peers that drop privileges (smtp-sink writes as 'nobody') must reach their own folders.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var redis = await RedisServer.StartAsync(Path.Combine(root, "redis"));
        var first = new ManagerInstance(root, IPAddress.Loopback, "manager1", redis.Uri);
        var second = new ManagerInstance(root, IPAddress.Parse("127.0.0.2"), "manager2", redis.Uri);
        var set = new ReplicaSet(root, redis, first, second);
        await first.StartAsync();
        second.ShareSecretsOf(first);
        await second.StartAsync();
        return set;
    }

    public async ValueTask DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
