using System.Text.Json.Nodes;
using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Status;

/// <summary>The cluster at a glance: a node's last hour of mail and TLS and its queue, asked over its stream.</summary>
[Collection("delivery")]
public sealed class ClusterStatusTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Status_shows_a_nodes_last_hour_of_mail_and_TLS_and_its_queue_in_json_and_as_a_table()
    {
        var m = fixture.Cluster.Manager;
        var subject = $"status {Guid.NewGuid():N}";
        (await Swaks.SendAsync(fixture.Relay, $"user@{DeliveryFixture.Domain("good", "required")}", "--tls", "--from", "sender@bounces.test", "--header", $"Subject: {subject}")).Succeeded();
        await Wait.UntilAsync(() => fixture.Postfix["good"].Delivered().Any(x => x.Contains(subject, StringComparison.Ordinal)), "the message reached the receiver");

        JsonNode? node = null;
        await Wait.UntilAsync(async () => (long?)(node = (await m.Http.GetJsonAsync("api/v1/status"))["nodes"]!.AsArray().Single(n => (string?)n!["name"] == "node1"))!["last_hour"]?["delivered"] >= 1,
            "the status counts the delivery");
        var hour = node!["last_hour"]!;
        Assert.True((long)hour["accepted"]! >= 1);
        Assert.True((long)hour["tls_inbound"]! >= 1);
        Assert.True((double)hour["tls_inbound_success_rate"]! > 0);
        Assert.True((long)hour["tls_outbound"]! >= 1);
        Assert.True((long)hour["queue_messages"]! >= 0 && (long)hour["oldest_message_seconds"]! >= 0);
        Assert.True((bool)node["connected"]!);
        Assert.Null(node["not_answering"]);

        var text = (await m.CliAsync("status")).Succeeded().Output;
        Assert.Contains("Last hour:", text, StringComparison.Ordinal);
        // NODE STATUS APPLIED IN DELIVERED DEFERRED BOUNCED TLS-IN TLS-OUT
        Assert.Matches(@"\nnode1\s+connected\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+% of \d+\s+[\d.]+% of \d+", text);
        Assert.Matches(@"(No open alert\.|Open alerts \(\d+;)", text);
    }
}
