using System.Net;
using System.Text.Json;

namespace Gatehouse.Cluster.Tests.Replicas;

/// <summary>
/// CL-6, never backwards: a replica cut off from Redis keeps serving the version it read last;
/// a node that already runs a newer one fails over to it and keeps what it runs.
/// </summary>
public sealed class StaleReplicaTests
{
    [Fact]
    public async Task A_replica_with_an_old_view_never_rolls_a_node_back()
    {
        var root = Directory.CreateTempSubdirectory("gatehouse-stale-").FullName;
        try
        {
            await using var redis = await RedisServer.StartAsync(Path.Combine(root, "redis"));
            await using var partition = new TcpProxy(new IPEndPoint(IPAddress.Loopback, redis.Uri.Port));
            await using var first = new ManagerInstance(root, IPAddress.Loopback, "manager1", redis.Uri);
            await first.StartAsync();
            // The second replica reaches Redis only through the proxy, which the test cuts.
            await using var stale = new ManagerInstance(root, IPAddress.Parse("127.0.0.2"), "manager2", new Uri($"redis://{partition.Endpoint}"));
            stale.ShareSecretsOf(first);
            await stale.StartAsync();
            await using var node = new NodeInstance(root, "node1", IPAddress.Parse("127.0.0.41"));
            (await node.CliAsync("join", "--manager", stale.Url.ToString(), "--manager", first.Url.ToString(), "--token", await first.CreateTokenAsync(), "--name", "node1")).Succeeded();
            node.Start();
            await node.WaitAppliedAsync(1);
            await Wait.UntilAsync(() => node.Status().Connected, "node1 is connected to the second replica");

            // The second replica loses Redis: from now on it knows version 1 only.
            partition.Cut();
            (await first.LoadConfigAsync("alert_settings: {from_address: newer@example.com}", merge: true)).Succeeded();
            var newer = await first.CommitAsync("only the first replica sees this");

            // node1 moves to the first replica (its manager list reordered) and applies the newer version.
            await node.StopAsync();
            Reorder(node, first.Url, stale.Url);
            node.Start();
            await node.WaitAppliedAsync(newer);

            // The first replica dies: node1 falls back to the stale one, which must not send version 1.
            await first.KillAsync();
            await Wait.UntilAsync(() => node.Status() is { Connected: true } s && s.LastError.Length == 0 && ManagerOf(node) == stale.Url.ToString(),
                "node1 is connected to the stale replica");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(newer, node.Status().AppliedVersion);
            Assert.DoesNotContain("refused", node.Status().LastError, StringComparison.Ordinal);

            // Redis reachable again: the replica catches up and its next commit reaches node1.
            partition.Mend();
            await Wait.UntilAsync(async () => (await stale.LoadConfigAsync("alert_settings: {from_address: mended@example.com}", merge: true)).ExitCode == 0,
                "the second replica writes to Redis again");
            var mended = await stale.CommitAsync("after the partition");
            Assert.Equal(newer + 1, mended);
            await node.WaitAppliedAsync(mended);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Reorder(NodeInstance node, Uri first, Uri second)
    {
        var path = Path.Combine(node.DataDir, "node.json");
        var identity = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        identity["managers"] = new System.Text.Json.Nodes.JsonArray(first.ToString(), second.ToString());
        File.WriteAllText(path, identity.ToJsonString());
    }

    private static string ManagerOf(NodeInstance node)
    {
        using var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(node.DataDir, "state", "status.json")));
        return status.RootElement.GetProperty("manager").GetString() ?? "";
    }
}
