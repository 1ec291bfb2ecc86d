using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Gatehouse.Cluster.Tests.Fixtures;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Cluster.Tests.Alerts;

/// <summary>
/// OUT-3 and SVC-4: a required-TLS failure alerts the Warning/System recipients, once for the
/// cluster however many nodes see it, naming the nodes that did.
/// </summary>
[Collection("delivery")]
public sealed class DeliveryAlertTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Required_TLS_failure_mails_one_alert_for_the_cluster_naming_the_domain_and_the_nodes_and_none_when_the_setting_is_off()
    {
        var m = fixture.Cluster.Manager;
        using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(m.CaFile);
        await using var witness = new MemberNode("witness", IPAddress.Parse("127.0.3.40"), m.Url, clusterCa);
        await witness.JoinAsync(await m.CreateTokenAsync());
        await witness.ConnectAsync();
        try
        {
            var held = await fixture.SendAsync("user@alerting.test", $"alerting {Guid.NewGuid():N}");
            // The manager holds the alert for a gathering time (5 s here): a second node that sees
            // the same failure meanwhile is named in the same mail rather than mailing its own.
            await Wait.UntilAsync(async () => SeenBy(await AlertAsync(m, "alerting.test")) == "node1", "node1 reported alerting.test to the manager");
            Assert.Null((await AlertAsync(m, "alerting.test"))!["mailed_by"]);
            await witness.SendAsync(new NodeMessage { RequiredTlsFailure = new RequiredTlsFailure { Domain = "alerting.test", Reason = "STARTTLS refused" } });
            await Wait.UntilAsync(() => fixture.Delays(held) >= 3, "three attempts for alerting.test were put off");
            await Wait.UntilAsync(() => Alerts("alerting.test").Count == 1, "the alert for alerting.test arrived");
            var alert = Alerts("alerting.test")[0];
            Assert.Contains("Subject: [Warning]-[relay.node1.test]: (System) TLS was required for destination domain alerting.test", alert, StringComparison.Ordinal);
            Assert.Contains("STARTTLS command not supported", alert, StringComparison.Ordinal);
            Assert.Contains("Seen by node1, witness.", alert, StringComparison.Ordinal);
            Assert.Contains("To: admin@alerts.test", alert, StringComparison.Ordinal);
            var seen = fixture.Delays(held);
            await Wait.UntilAsync(() => fixture.Delays(held) >= seen + 2, "two more attempts were put off");
            Assert.Single(Alerts("alerting.test"));
            Assert.Equal("node1, witness", SeenBy(await AlertAsync(m, "alerting.test")));

            // What a member says is bounded: a name that is no host name raises nothing.
            await witness.SendAsync(new NodeMessage { RequiredTlsFailure = new RequiredTlsFailure { Domain = "evil.test\r\nBcc: x", Reason = "x" } });
            await witness.SendAsync(new NodeMessage { RequiredTlsFailure = new RequiredTlsFailure { Domain = "after.test", Reason = "STARTTLS refused" } });
            await Wait.UntilAsync(async () => await AlertAsync(m, "after.test") is not null, "the member's next report was taken");
            Assert.Null(await AlertAsync(m, "evil.test"));
        }
        finally
        {
            (await m.CliAsync("nodes", "remove", "witness")).Succeeded();
        }

        (await m.LoadConfigAsync("destination_global: {certificate: relay-client, alert_on_required_tls_failure: false}", machine: "node1", merge: true)).Succeeded();
        await fixture.Node.WaitAppliedAsync(await m.CommitAsync("no alerts on required TLS failure"));
        try
        {
            var quiet = await fixture.SendAsync("user@quiet.test", $"quiet {Guid.NewGuid():N}");
            await Wait.UntilAsync(() => fixture.Delays(quiet) >= 3, "three attempts for quiet.test were put off");
            // An alert is queued (and logged) at the failed attempt itself, so three attempts settle it.
            Assert.DoesNotContain(fixture.MailLogText().Split('\n'), l => l.Contains("alert (Warning, System)", StringComparison.Ordinal) && l.Contains("quiet.test", StringComparison.Ordinal));
            Assert.Empty(Alerts("quiet.test"));
        }
        finally
        {
            (await m.LoadConfigAsync("destination_global: {certificate: relay-client, alert_on_required_tls_failure: true}", machine: "node1", merge: true)).Succeeded();
            await fixture.Node.WaitAppliedAsync(await m.CommitAsync("alerts on again"));
        }
    }

    private static async Task<JsonNode?> AlertAsync(ManagerInstance m, string domain) =>
        ((JsonArray)await m.Http.GetJsonAsync("api/v1/alerts?last=500")).LastOrDefault(a => ((string?)a!["key"])!.StartsWith($"required-tls/{domain}@", StringComparison.Ordinal));

    private static string? SeenBy(JsonNode? alert) => alert?["seen_by"] is JsonArray nodes ? string.Join(", ", nodes.Select(n => (string?)n)) : null;

    private List<string> Alerts(string domain) =>
        [.. fixture.Unfolded("pfnone").Where(m => m.Contains("Subject: [Warning]", StringComparison.Ordinal) && m.Contains("TLS was required for destination domain " + domain + " ", StringComparison.Ordinal))];
}
