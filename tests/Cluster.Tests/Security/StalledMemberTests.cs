using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gatehouse.Cluster.Tests.Fixtures;
using Gatehouse.Cluster.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>One member that stops reading its stream holds up neither the manager nor the other nodes.</summary>
public sealed class StalledMemberTests
{
    [Fact]
    public async Task A_member_that_never_reads_is_cut_off_after_the_deadline_while_the_others_keep_applying_acking_and_answering_track()
    {
        // Long enough for everything below to happen while the member is stalled, before it is cut off.
        var deadline = TimeSpan.FromSeconds(40);
        await using var cluster = await TestCluster.StartAsync(nodes: 2, new Dictionary<string, string> { ["NodeStreams__WriteDeadline"] = deadline.ToString() });
        var m = cluster.Manager;
        using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(m.CaFile);
        await using var stalled = new MemberNode("stalled", IPAddress.Parse("127.0.3.1"), m.Url, clusterCa);
        await stalled.JoinAsync(await m.CreateTokenAsync());
        await stalled.ConnectAsync(reads: false);
        await using var sharing = new MemberNode("sharing", IPAddress.Parse("127.0.3.2"), m.Url, clusterCa);
        await sharing.JoinAsync(await m.CreateTokenAsync());
        await sharing.ConnectAsync();

        // A snapshot of about 1 MB: far more than the HTTP/2 window of a member that does not read.
        (await m.LoadConfigAsync(JsonSerializer.Serialize(new { certificates = ChainedCertificates.Create(150) }), merge: true)).Succeeded();
        var large = await m.CommitAsync("150 certificates");
        await cluster.Node("node1").WaitAppliedAsync(large);
        await cluster.Node("node2").WaitAppliedAsync(large);

        // While the manager waits on the stalled member: a policy one member shares is passed on
        // without its reader waiting on the stalled one...
        await sharing.SendAsync(new NodeMessage { StsPolicy = Policy("shared.example.test") });
        (await m.LoadConfigAsync("alert_settings: {from_address: after-stall@example.com}", merge: true)).Succeeded();
        var next = await m.CommitAsync("after the stall");
        // ...the real nodes and the sharing member apply the next version, their ACKs recorded...
        await cluster.Node("node1").WaitAppliedAsync(next);
        await cluster.Node("node2").WaitAppliedAsync(next);
        await Wait.UntilAsync(async () => Applied(await m.NodesAsync(), "sharing") == next, "the manager records the sharing member's ACK");
        // ...and questions to every node are answered.
        var track = await m.CliAsync("track", "--subject", "nothing-sent");
        Assert.Contains("Not answering: stalled", track.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("node1", track.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("node2", track.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("is not reading its stream", m.Process.Output, StringComparison.Ordinal);

        // Then the stalled member is cut off, with a line saying why, and shown disconnected.
        await Wait.UntilAsync(() => m.Process.Output.Contains("Node stalled is not reading its stream (one message not taken in 40 s); the stream is closed", StringComparison.Ordinal),
            "the manager cuts the stalled member off", deadline * 2);
        Assert.NotNull(await stalled.EndedAsync(TimeSpan.FromSeconds(30)));
        await Wait.UntilAsync(async () => !Connected(await m.NodesAsync(), "stalled"), "the stalled member shows disconnected");
        var after = await m.CliAsync("track", "--subject", "nothing-sent");
        Assert.DoesNotContain("node1", after.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("node2", after.Output, StringComparison.Ordinal);
    }

    private static SharedMtaStsPolicy Policy(string domain) => new()
    {
        Domain = domain,
        Id = "20261207",
        PolicyText = "version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n",
        FetchedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
    };

    private static long Applied(System.Text.Json.Nodes.JsonArray nodes, string name) =>
        (long)nodes.Single(n => (string)n!["name"]! == name)!["applied_version"]!;

    private static bool Connected(System.Text.Json.Nodes.JsonArray nodes, string name) =>
        (bool)nodes.Single(n => (string)n!["name"]! == name)!["connected"]!;
}
