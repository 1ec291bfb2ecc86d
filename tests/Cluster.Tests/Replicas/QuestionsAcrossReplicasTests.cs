using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.Cluster.Tests.Replicas;

/// <summary>
/// A node's stream is held by one replica; questions asked of any replica reach every node,
/// through the replica that holds its stream, and a node that none holds is said to be so.
/// </summary>
public sealed class QuestionsAcrossReplicasTests
{
    [Fact]
    public async Task Track_queue_tlsverify_and_tls_reports_from_either_replica_see_all_four_nodes_and_shared_policies_reach_them_all()
    {
        await using var replicas = await ReplicaSet.StartAsync();
        var (first, second) = (replicas.First, replicas.Second);
        var nodes = new List<NodeInstance>();
        try
        {
            // node1 and node2 know only replica 1, node3 and node4 only replica 2: their streams stay there.
            foreach (var (name, replica, octet) in new[] { ("node1", first, 41), ("node2", first, 42), ("node3", second, 43), ("node4", second, 44) })
            {
                var node = new NodeInstance(replicas.Root, name, IPAddress.Parse($"127.0.0.{octet}"));
                nodes.Add(node);
                (await node.JoinAsync(replica, await replica.CreateTokenAsync())).Succeeded();
                node.Start();
            }

            foreach (var node in nodes)
            {
                await node.WaitAppliedAsync(1);
            }

            string[] names = ["node1", "node2", "node3", "node4"];
            foreach (var replica in new[] { first, second })
            {
                var summary = (await replica.CliAsync("queue", "summary")).Succeeded().Output;
                Assert.All(names, name => Assert.Contains($"{name}: ", summary, StringComparison.Ordinal));
                Assert.DoesNotContain("refused", summary, StringComparison.Ordinal);

                var track = (await replica.CliAsync("track", "--subject", "nothing-sent")).Succeeded().Output;
                Assert.DoesNotContain("Not answering", track, StringComparison.Ordinal);

                var report = (await replica.CliAsync("tls-report", "--date", "today")).Succeeded().Output;
                Assert.All(names, name => Assert.Contains($"node {name}: ", report, StringComparison.Ordinal));
                Assert.DoesNotContain("did not answer", report, StringComparison.Ordinal);
            }

            // tlsverify of one node, asked of the replica that does not hold its stream, each way: the
            // node's own report comes back (there is no MX for the domain, so it would not deliver).
            foreach (var (replica, node) in new[] { (first, "node4"), (second, "node1") })
            {
                var verified = await replica.CliAsync("tlsverify", "example.invalid", "--machine", node);
                Assert.Contains($"Node {node}, domain example.invalid", verified.Output, StringComparison.Ordinal);
                Assert.Contains("Result: ", verified.Output, StringComparison.Ordinal);
            }

            // A policy shared on replica 1 reaches the nodes of replica 2; a purge on replica 2 reaches those of replica 1.
            using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(first.CaFile);
            await using var member = new MemberNode("member", IPAddress.Parse("127.0.0.45"), first.Url, clusterCa);
            await member.JoinAsync(await first.CreateTokenAsync());
            await member.ConnectAsync();
            await member.SendAsync(new NodeMessage
            {
                StsPolicy = new SharedMtaStsPolicy
                {
                    Domain = "shared.example.test", Id = "20261207", PolicyText = "version: STSv1\nmode: enforce\nmx: mx.shared.example.test\nmax_age: 86400\n",
                    FetchedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
                },
            });
            foreach (var node in nodes)
            {
                await node.WaitForMailLogAsync("MTA-STS policy of shared.example.test taken from the cluster");
            }

            (await second.CliAsync("sts", "purge", "shared.example.test")).Succeeded();
            foreach (var node in nodes)
            {
                await Wait.UntilAsync(() => !File.Exists(Path.Combine(node.DataDir, "state", "mta-sts", "shared.example.test.json")), $"{node.Name} drops the purged policy");
            }

            // A node connected to no replica is reported as such as soon as the other replicas say
            // they do not hold it, not after the time an answer may take.
            await nodes[3].KillAsync();
            await Wait.UntilAsync(async () => (bool?)(await second.NodeAsync("node4"))?["connected"] == false, "replica 2 sees node4 gone");
            var away = await first.CliAsync("track", "--subject", "nothing-sent");
            Assert.Contains("node node4 is not connected to any manager replica", away.Output + away.Error, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
