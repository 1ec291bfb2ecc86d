using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Gatehouse.Cluster.Tests.Nodes;

/// <summary>
/// Two builds: nodes of the previous release (built from its commit) run beside this build's
/// manager, are upgraded one at a time while mail flows through them, and no setting reaches a
/// node whose build would drop it. Every message a node answered 250 reaches the receiver.
/// </summary>
public sealed class RollingUpgradeTests(ITestOutputHelper output)
{
    private const string NewSetting = "gatehouse.cluster.v1.HttpsService.client_ca_pem";

    [Fact]
    public async Task Previous_release_nodes_run_beside_this_manager_and_upgrade_one_at_a_time_under_mail_without_losing_a_message()
    {
        var previous = await PreviousRelease.NodeAsync();
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var m = cluster.Manager;
        NodeInstance[] nodes = [await cluster.AddNodeAsync("node1", previous), await cluster.AddNodeAsync("node2", previous)];
        var sinkAddress = IPAddress.Parse("127.0.3.50");
        await using var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), new IPEndPoint(sinkAddress, FreePort.On(sinkAddress)));
        var smtp = nodes.Select(n => new IPEndPoint(n.Address, FreePort.On(n.Address))).ToArray();
        foreach (var (node, endpoint) in nodes.Zip(smtp))
        {
            (await m.LoadConfigAsync($$$"""
                ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
                listeners:
                  - {name: In, type: public, interface: Data1, port: {{{endpoint.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}
                """, machine: node.Name, merge: true)).Succeeded();
        }

        (await m.LoadConfigAsync($$$"""
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            smtp_routes: [{domain: example.test, hosts: [{host: {{{sinkAddress}}}, port: {{{sink.Endpoint.Port}}}}]}]
            system: {smtp: {drain_seconds: 5}}
            """, merge: true)).Succeeded();
        var relaying = await m.CommitAsync("relay to the receiver");
        foreach (var node in nodes)
        {
            await node.WaitAppliedAsync(relaying);
            await Wait.UntilAsync(() => FreePort.Accepts(smtp[Array.IndexOf(nodes, node)]), $"{node.Name} accepts mail");
        }

        // A setting the previous release lacks is refused for every node still running it, by name.
        var readers = await TestCa.CreateAsync(Path.Combine(cluster.Root, "readers"), "Readers");
        var pem = JsonSerializer.Serialize(await File.ReadAllTextAsync(readers.RootCertificate));
        async Task StageHttpsAsync(NodeInstance node) => (await m.LoadConfigAsync($$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}, https: {enabled: true, port: {{{FreePort.On(node.Address)}}}, certificate: demo, accept_client_certificates: true, client_ca_pem: {{{pem}}}}}]
            """, machine: node.Name, merge: true)).Succeeded();
        await StageHttpsAsync(nodes[0]);
        var refused = await m.CliAsync("commit", "--comment", "needs 0.3.0");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"node node1 runs gatehouse-node 0.2 (a build before 0.3.0), which does not know this setting ({NewSetting})", refused.Error, StringComparison.Ordinal);

        await using var load = MailLoad.Start(smtp);
        await load.WaitSentAsync(50);

        await UpgradeAsync(nodes[0], smtp[0], m);
        await load.WaitSentAsync(load.Accepted + 50);
        // node1 now knows the setting; node2, still on the previous release, does not.
        await nodes[0].WaitAppliedAsync(await m.CommitAsync("node1 upgraded"));
        await StageHttpsAsync(nodes[1]);
        refused = await m.CliAsync("commit", "--comment", "node2 not yet");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"node node2 runs gatehouse-node 0.2 (a build before 0.3.0), which does not know this setting ({NewSetting})", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("node node1 runs", refused.Error, StringComparison.Ordinal);

        await UpgradeAsync(nodes[1], smtp[1], m);
        await load.WaitSentAsync(load.Accepted + 50);
        var sent = await load.StopAsync();
        var both = await m.CommitAsync("every node upgraded");
        foreach (var node in nodes)
        {
            await node.WaitAppliedAsync(both);
        }

        // Nothing lost: every message answered 250, on either build, reached the receiver.
        output.WriteLine($"tries that failed: {load.Errors.Count}; the first: {string.Join(" | ", load.Errors.Take(5))}");
        Assert.Empty(sent.NeverAccepted);
        await Wait.UntilAsync(() => Subjects(sink).Count >= sent.Accepted.Count, $"the receiver has all {sent.Accepted.Count} accepted messages", TimeSpan.FromSeconds(120));
        var delivered = Subjects(sink);
        Assert.Empty(sent.Accepted.Except(delivered.Keys));
        Assert.Empty(delivered.Keys.Except(sent.Accepted));
        // Not asserted, reported: about one run in twenty, a message is delivered twice around a
        // node's stop. The nodes stopped here run 0.2.0, which cancels a delivery whose final "."
        // is in flight and sends it again after the restart; from 0.3.0 a stopping node lets such
        // a transaction finish (StopDuringDeliveryTests holds that exactly once).
        var twice = delivered.Where(d => d.Value > 1).Select(d => $"{d.Key} ×{d.Value}").ToList();
        output.WriteLine($"delivered more than once: {(twice.Count == 0 ? "none" : string.Join(", ", twice))}");
        Assert.True(sent.ByNode.All(n => n.Value > 0), $"both nodes took mail: {string.Join(", ", sent.ByNode)}");
        output.WriteLine($"{sent.Accepted.Count} messages accepted during the upgrade ({string.Join(", ", sent.ByNode)}), {delivered.Count} delivered");
    }

    // The node stops as for a package upgrade (draining), and starts on this build with the same
    // data; the next node waits until this one is back with the manager and takes mail again.
    private static async Task UpgradeAsync(NodeInstance node, IPEndPoint listener, ManagerInstance m)
    {
        await node.StopAsync();
        node.Binary = Binaries.Node;
        node.Start();
        await Wait.UntilAsync(async () => (string?)(await m.NodeAsync(node.Name))?["software_version"] is { } v && v.StartsWith("0.3.0", StringComparison.Ordinal)
            && (bool?)(await m.NodeAsync(node.Name))?["connected"] == true, $"{node.Name} is back on this build");
        await Wait.UntilAsync(() => FreePort.Accepts(listener), $"{node.Name} takes mail again");
    }

    private static Dictionary<string, int> Subjects(SmtpSink sink) =>
        sink.Delivered().Select(d => System.Text.RegularExpressions.Regex.Match(d, @"(?m)^Subject: (upgrade-\d+)\r?$").Groups[1].Value)
            .Where(s => s.Length > 0).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// A sender that keeps mailing through the nodes in turn, one message per connection; a node
    /// that is stopping or down is skipped for the other, as a sender's MX fallback would.
    /// </summary>
    private sealed class MailLoad : IAsyncDisposable
    {
        private const int MaxMessages = 5000;
        private readonly CancellationTokenSource stop = new(TimeSpan.FromMinutes(4));
        private readonly ConcurrentQueue<string> accepted = new();
        private readonly ConcurrentQueue<string> neverAccepted = new();
        private readonly ConcurrentDictionary<IPEndPoint, int> byNode = new();
        private Task running = Task.CompletedTask;

        public int Accepted => accepted.Count;

        /// <summary>How the tries that failed ended, for the test's output.</summary>
        public ConcurrentQueue<string> Errors { get; } = new();

        public static MailLoad Start(IPEndPoint[] nodes)
        {
            var load = new MailLoad();
            load.running = Task.Run(() => load.RunAsync(nodes));
            return load;
        }

        public Task WaitSentAsync(int count) => Wait.UntilAsync(() => accepted.Count >= count || running.IsCompleted, $"{count} messages accepted");

        public async Task<(List<string> Accepted, List<string> NeverAccepted, Dictionary<string, int> ByNode)> StopAsync()
        {
            await stop.CancelAsync();
            await running;
            return ([.. accepted], [.. neverAccepted], byNode.ToDictionary(n => n.Key.ToString(), n => n.Value));
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await running;
            stop.Dispose();
        }

        private async Task RunAsync(IPEndPoint[] nodes)
        {
            for (var i = 0; i < MaxMessages && !stop.IsCancellationRequested; i++)
            {
                var subject = $"upgrade-{i}";
                var done = false;
                // Tries over both nodes for up to about five seconds: one node is always up.
                for (var attempt = 0; attempt < 40 && !done; attempt++)
                {
                    var node = nodes[(i + attempt) % nodes.Length];
                    done = await SendAsync(node, subject);
                    if (done)
                    {
                        byNode.AddOrUpdate(node, 1, (_, n) => n + 1);
                    }
                    else if (attempt % nodes.Length == nodes.Length - 1)
                    {
                        await Task.Delay(250);
                    }
                }

                (done ? accepted : neverAccepted).Enqueue(subject);
            }
        }

        private async Task<bool> SendAsync(IPEndPoint node, string subject)
        {
            try
            {
                await using var smtp = await SmtpProbe.ConnectAsync(node);
                var timeout = TimeSpan.FromSeconds(20);
                return (await smtp.ReplyAsync(timeout))?.StartsWith("220", StringComparison.Ordinal) == true
                    && (await smtp.CommandAsync("EHLO sender.test"))?.StartsWith("250", StringComparison.Ordinal) == true
                    && (await smtp.CommandAsync("MAIL FROM:<load@sender.test>"))?.StartsWith("250", StringComparison.Ordinal) == true
                    && (await smtp.CommandAsync("RCPT TO:<user@example.test>"))?.StartsWith("250", StringComparison.Ordinal) == true
                    && (await smtp.CommandAsync("DATA"))?.StartsWith("354", StringComparison.Ordinal) == true
                    && (await smtp.CommandAsync($"Subject: {subject}\r\n\r\nsent while the cluster upgrades\r\n.")) is { } answer
                    && answer.StartsWith("250", StringComparison.Ordinal);
            }
            catch (Exception e)
            {
                // Any way a connection to a stopping node can end is a try that did not get 250.
                Errors.Enqueue($"{node}: {e.GetType().Name}: {e.Message}");
                return false;
            }
        }
    }
}
