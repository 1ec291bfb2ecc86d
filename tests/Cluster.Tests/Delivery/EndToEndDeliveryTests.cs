using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>A message across the whole path, and a destination control changed on the manager taking effect live.</summary>
[Collection("delivery")]
public sealed class EndToEndDeliveryTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Mail_in_over_STARTTLS_leaves_with_Required_Verify_then_follows_a_committed_change_without_restart()
    {
        var pid = fixture.Node.Process.Id;
        var first = $"e2e verified {Guid.NewGuid():N}";
        var sent = await Swaks.SendAsync(fixture.Relay, "user@e2e.test", "--tls", "--from", "sender@bounces.test", "--header", $"Subject: {first}");
        sent.Succeeded();
        Assert.Contains("TLS started", sent.Output + sent.Error, StringComparison.Ordinal);
        var received = ReceiverHeader(await DeliveredAsync(first));
        Assert.Contains("with ESMTPS", received, StringComparison.Ordinal);
        Assert.Contains("(using TLSv1.3", received, StringComparison.Ordinal);
        Assert.Contains("from relay.node1.test", received, StringComparison.Ordinal);
        // The node presented the client certificate of destination_global, and the receiver verified it.
        Assert.Contains("Client CN \"relay.node1.test\", Issuer \"Delivery Intermediate CA\" (verified OK)", received, StringComparison.Ordinal);

        var m = fixture.Cluster.Manager;
        (await m.LoadConfigAsync("destination_controls: [{domain: e2e.test, tls: none}]", machine: "node1", merge: true)).Succeeded();
        await fixture.Node.WaitAppliedAsync(await m.CommitAsync("e2e.test in clear"));
        var second = $"e2e clear {Guid.NewGuid():N}";
        (await Swaks.SendAsync(fixture.Relay, "user@e2e.test", "--tls", "--from", "sender@bounces.test", "--header", $"Subject: {second}")).Succeeded();
        received = ReceiverHeader(await DeliveredAsync(second));
        Assert.DoesNotContain("with ESMTPS", received, StringComparison.Ordinal);
        Assert.Contains("with ESMTP ", received, StringComparison.Ordinal);
        Assert.Equal(pid, fixture.Node.Process.Id);
    }

    /// <summary>The receiver's own Received header (the first), unfolded; the node's is further down.</summary>
    private static string ReceiverHeader(string message)
    {
        var unfolded = message.Replace("\r", "", StringComparison.Ordinal).Replace("\n ", " ", StringComparison.Ordinal).Replace("\n\t", " ", StringComparison.Ordinal);
        return unfolded.Split('\n').First(l => l.StartsWith("Received: ", StringComparison.Ordinal));
    }

    private async Task<string> DeliveredAsync(string subject)
    {
        string? found = null;
        await Wait.UntilAsync(
            () => (found = fixture.Postfix["good"].Delivered().FirstOrDefault(x => x.Contains($"Subject: {subject}", StringComparison.Ordinal))) is not null,
            $"'{subject}' reached the receiver");
        return found!;
    }
}
