using System.Net;
using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Tracking;

/// <summary>
/// Message tracking across the cluster: node1 relays to node2, node2 delivers to Postfix's
/// smtp-sink; the manager finds the message by sender, recipient, subject, time and MID with
/// both hops, after a restart too, and names a node that is down instead of skipping it.
/// </summary>
public sealed class MessageTrackingTests
{
    [Fact]
    public async Task A_message_relayed_through_two_nodes_is_found_with_its_whole_path_and_a_node_that_is_down_is_reported()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var (node1, node2) = (cluster.Node("node1"), cluster.Node("node2"));
        var m = cluster.Manager;
        var sink = await SmtpSink.StartAsync(Path.Combine(cluster.Root, "sink"), new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback)));
        await using var _ = sink;
        var in1 = new IPEndPoint(node1.Address, FreePort.On(node1.Address));
        var in2 = new IPEndPoint(node2.Address, FreePort.On(node2.Address));
        string Machine(NodeInstance node, IPEndPoint listener, IPEndPoint next) => $$$"""
            ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: preferred}]
            smtp_routes: [{domain: track.test, hosts: [{host: {{{next.Address}}}, port: {{{next.Port}}}}]}]
            destination_controls: [{domain: track.test, tls: preferred}]
            listeners:
              - {name: In, type: public, interface: Data1, port: {{{listener.Port}}}, certificate: demo, default_policy: P, recipient_access_table: [{recipient: track.test, action: accept}]}
            """;
        (await m.LoadConfigAsync(Machine(node1, in1, in2), machine: "node1", merge: true)).Succeeded();
        (await m.LoadConfigAsync(Machine(node2, in2, sink.Endpoint), machine: "node2", merge: true)).Succeeded();
        var version = await m.CommitAsync("tracking: node1 relays to node2");
        await node1.WaitAppliedAsync(version);
        await node2.WaitAppliedAsync(version);
        await Wait.UntilAsync(() => FreePort.Accepts(in1) && FreePort.Accepts(in2), "both listeners accept");

        var tag = Guid.NewGuid().ToString("N")[..12];
        var sender = $"alice-{tag}@sender.test";
        (await Swaks.SendAsync(in1, "bob@track.test", "--tls", "--from", sender, "--header", $"Subject: tracking {tag}")).Succeeded();
        await Wait.UntilAsync(() => sink.Delivered().Any(x => x.Contains(tag, StringComparison.Ordinal)), "the sink has the message");

        // By sender: one message, two hops, delivered.
        JsonNode path = null!;
        await Wait.UntilAsync(async () =>
        {
            var found = await TrackAsync(m, "--from", sender);
            path = found["messages"]!.AsArray().SingleOrDefault()!;
            return path?["hops"]!.AsArray().Count == 2 && (string?)path["state"] == "delivered";
        }, "the message is tracked through both nodes to its delivery");
        Assert.Equal($"tracking {tag}", (string?)path["subject"]);
        Assert.StartsWith("<", (string?)path["message_id"], StringComparison.Ordinal);
        Assert.Equal(sender, (string?)path["sender"]);
        Assert.Equal("bob@track.test", (string?)path["recipients"]![0]);
        var (hop1, hop2) = (path["hops"]![0]!, path["hops"]![1]!);
        Assert.Equal("node1", (string?)hop1["node"]);
        Assert.Equal("In", (string?)hop1["listener"]);
        Assert.Equal("Data1", (string?)hop1["interface"]);
        Assert.StartsWith("TLSv1.", (string?)hop1["tls_in"], StringComparison.Ordinal);
        var out1 = hop1["deliveries"]!.AsArray().Single()!;
        Assert.Equal(in2.ToString(), (string?)out1["peer"]);
        Assert.StartsWith("TLSv1.", (string?)out1["tls"], StringComparison.Ordinal);
        Assert.Equal("delivered", (string?)out1["outcome"]);
        Assert.Contains("Ok: queued as", (string?)out1["response"], StringComparison.Ordinal);
        Assert.True((long)out1["dcid"]! > 0);
        Assert.Contains(hop1["events"]!.AsArray(), e => ((string?)e!["line"])!.StartsWith($"Info: New SMTP ICID {(long)hop1["icid"]!} ", StringComparison.Ordinal));
        Assert.Contains(hop1["events"]!.AsArray(), e => ((string?)e!["line"])!.Contains($"Message done DCID {(long)out1["dcid"]!} MID {(long)hop1["mid"]!}", StringComparison.Ordinal));
        Assert.Equal("node2", (string?)hop2["node"]);
        Assert.Equal(node1.Address.ToString(), (string?)hop2["remote_address"]);
        Assert.StartsWith("TLSv1.", (string?)hop2["tls_in"], StringComparison.Ordinal);
        Assert.Equal(sink.Endpoint.ToString(), (string?)hop2["deliveries"]![0]!["peer"]);
        Assert.Equal("delivered", (string?)hop2["state"]);

        // By recipient and time, by subject, and by MID on the second node: the same path.
        Assert.Single((await TrackAsync(m, "--to", "BOB@track.test", "--since", "10m"))["messages"]!.AsArray(), p => (string?)p!["subject"] == $"tracking {tag}");
        Assert.Empty((await TrackAsync(m, "--from", sender, "--until", "10m"))["messages"]!.AsArray());
        var byMid = await TrackAsync(m, "--mid", $"{(long)hop2["mid"]!}", "--node", "node2");
        Assert.Equal(["node1", "node2"], byMid["messages"]![0]!["hops"]!.AsArray().Select(h => (string?)h!["node"]));
        var text = (await m.CliAsync("track", "--subject", tag)).Succeeded().Output;
        Assert.Contains($"delivered, through node1 MID {(long)hop1["mid"]!} -> node2 MID {(long)hop2["mid"]!}", text, StringComparison.Ordinal);
        Assert.Contains($"DCID {(long)out1["dcid"]!} ", text, StringComparison.Ordinal);

        // The same in the GUI's Monitor > Message Tracking, as a logged-in browser gets it.
        (await m.CliWithInputAsync("tracking-test-1\ntracking-test-1\n", "users", "add", "admin")).Succeeded();
        using var gui = Security.GuiBrowser.Open(m);
        Assert.Equal(HttpStatusCode.Redirect, (await Security.GuiBrowser.LoginAsync(gui, "admin", "tracking-test-1")).Status);
        var page = WebUtility.HtmlDecode(await gui.GetStringAsync(new Uri($"/tracking?Search=true&Period=1h&From={Uri.EscapeDataString(sender)}", UriKind.Relative)));
        Assert.Contains($"node1 MID {(long)hop1["mid"]!} → node2 MID {(long)hop2["mid"]!}", page, StringComparison.Ordinal);
        Assert.Contains($"Message done DCID {(long)out1["dcid"]!} MID {(long)hop1["mid"]!}", page, StringComparison.Ordinal);

        // The index survives a restart of the node.
        await node1.StopAsync();
        node1.Start();
        await node1.WaitConnectedAsync();
        await Wait.UntilAsync(async () => (await TrackAsync(m, "--from", sender))["messages"]!.AsArray().SingleOrDefault()?["hops"]!.AsArray().Count == 2,
            "node1 still knows the message after a restart");

        // A node that is down is named, not skipped; the other's hop is still shown.
        await node2.StopAsync();
        await Wait.UntilAsync(async () => !(bool)(await m.NodesAsync()).Single(n => (string?)n!["name"] == "node2")!["connected"]!, "the manager sees node2 gone");
        var partial = await m.CliAsync("track", "--from", sender, "--json");
        Assert.Equal(2, partial.ExitCode);
        var answers = JsonNode.Parse(partial.Output)!;
        var silent = answers["nodes"]!.AsArray().Single(n => (string?)n!["node"] == "node2")!;
        Assert.False((bool)silent["answered"]!);
        Assert.Contains("not connected", (string?)silent["problem"], StringComparison.Ordinal);
        Assert.Equal("node1", (string?)answers["messages"]![0]!["hops"]!.AsArray().Single()!["node"]);
        Assert.Contains("Not answering: node2", (await m.CliAsync("track", "--from", sender)).Output, StringComparison.Ordinal);
        page = WebUtility.HtmlDecode(await gui.GetStringAsync(new Uri($"/tracking?Search=true&From={Uri.EscapeDataString(sender)}", UriKind.Relative)));
        Assert.Contains("Node node2 did not answer", page, StringComparison.Ordinal);
    }

    private static async Task<JsonNode> TrackAsync(ManagerInstance manager, params string[] arguments) =>
        JsonNode.Parse((await manager.CliAsync(["track", .. arguments, "--json"])).Succeeded().Output)!;
}
