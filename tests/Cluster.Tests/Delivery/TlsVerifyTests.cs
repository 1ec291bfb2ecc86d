using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// <c>gatehouse-manager tlsverify</c>: the node itself tries a destination as delivery would,
/// against the Postfix receivers of the TLS matrix, and reports with the mail log's lines.
/// </summary>
[Collection("delivery")]
public sealed class TlsVerifyTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task A_verified_destination_passes_and_a_wrong_name_fails_with_the_mail_log_reason()
    {
        var m = fixture.Cluster.Manager;
        var node = fixture.Node.Name;

        var good = await m.CliAsync("tlsverify", DeliveryFixture.Domain("good", "required_verify"), "--machine", node);
        var wrongName = await m.CliAsync("tlsverify", DeliveryFixture.Domain("wrongname", "required_verify"));
        var clear = await m.CliAsync("tlsverify", DeliveryFixture.Domain("pfnone", "required"), "--machine", node, "--json");

        Assert.Equal(0, good.ExitCode);
        Assert.Contains("Destination control: good-requiredverify.test (TLS Required (Verify))", good.Output, StringComparison.Ordinal);
        Assert.Contains(" TLS success protocol TLSv1.3", good.Output, StringComparison.Ordinal);
        Assert.Contains("Result: mail for good-requiredverify.test would be delivered", good.Output, StringComparison.Ordinal);
        Assert.Equal(2, wrongName.ExitCode);
        Assert.Contains("TLS failed: certificate not verified", wrongName.Output, StringComparison.Ordinal);
        Assert.Contains("Result: mail for wrongname-requiredverify.test would not be delivered now", wrongName.Output, StringComparison.Ordinal);
        Assert.Equal(2, clear.ExitCode);
        using var report = System.Text.Json.JsonDocument.Parse(clear.Output);
        Assert.False(report.RootElement.TryGetProperty("wouldDeliver", out var delivers) && delivers.GetBoolean());
        Assert.Contains(report.RootElement.GetProperty("transcript").EnumerateArray(), l => l.GetString()!.Contains("STARTTLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_that_is_not_connected_or_a_name_that_is_not_a_domain_is_refused()
    {
        var m = fixture.Cluster.Manager;

        var ghost = await m.CliAsync("tlsverify", "example.test", "--machine", "ghost");
        var injected = await m.CliAsync("tlsverify", "example.test\r\nRCPT TO:<x@y>", "--machine", fixture.Node.Name);

        Assert.NotEqual(0, ghost.ExitCode);
        Assert.Contains("node ghost is not connected to this manager", ghost.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, injected.ExitCode);
        Assert.Contains("is not a domain", injected.Error, StringComparison.Ordinal);
    }
}
