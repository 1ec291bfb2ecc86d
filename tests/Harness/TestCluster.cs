using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// A manager and N nodes on loopback, each node with its own 127.0.0.x address, in one
/// temporary directory that is removed afterwards.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static int nextSubnet;

    private TestCluster(string root, ManagerInstance manager)
    {
        Root = root;
        Manager = manager;
    }

    public string Root { get; }

    public ManagerInstance Manager { get; }

    public List<NodeInstance> Nodes { get; } = [];

    /// <summary>Starts a manager and <paramref name="nodes"/> joined, running nodes that applied version 1.</summary>
    public static async Task<TestCluster> StartAsync(int nodes, IReadOnlyDictionary<string, string>? managerEnvironment = null)
    {
        var root = Directory.CreateTempSubdirectory("gatehouse-cluster-").FullName;
        // Peers that drop privileges (Postfix runs as 'postfix') must reach their own folders.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var cluster = new TestCluster(root, new ManagerInstance(root, IPAddress.Loopback) { Environment = managerEnvironment ?? new Dictionary<string, string>() });
        await cluster.Manager.StartAsync();
        for (var i = 0; i < nodes; i++)
        {
            await cluster.AddNodeAsync($"node{i + 1}");
        }

        return cluster;
    }

    /// <summary>Joins and starts one more node; waits until it runs the newest version.</summary>
    /// <param name="binary">The node build to run, when not this one.</param>
    public async Task<NodeInstance> AddNodeAsync(string name, string? binary = null)
    {
        var node = NewNode(name);
        node.Binary = binary ?? node.Binary;
        (await node.JoinAsync(Manager, await Manager.CreateTokenAsync())).Succeeded();
        node.Start();
        var latest = (await Manager.Http.GetJsonAsync("api/v1/history")).AsArray().Count;
        await node.WaitAppliedAsync(latest);
        return node;
    }

    /// <summary>A node directory and address, not joined yet.</summary>
    public NodeInstance NewNode(string name)
    {
        var octet = 10 + (Interlocked.Increment(ref nextSubnet) % 200);
        var node = new NodeInstance(Root, name, IPAddress.Parse($"127.0.0.{octet}"));
        Nodes.Add(node);
        return node;
    }

    public NodeInstance Node(string name) => Nodes.Last(n => n.Name == name);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Manager.DisposeAsync();
        if (Environment.GetEnvironmentVariable("GATEHOUSE_KEEP_TEST_DIRS") is null)
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
