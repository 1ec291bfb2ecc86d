using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Alerts;

/// <summary>OUT-3 and SVC-4: a required-TLS failure alerts the Warning/System recipients, once.</summary>
[Collection("delivery")]
public sealed class DeliveryAlertTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Required_TLS_failure_mails_one_alert_naming_the_domain_and_none_when_the_setting_is_off()
    {
        var held = await fixture.SendAsync("user@alerting.test", $"alerting {Guid.NewGuid():N}");
        await Wait.UntilAsync(() => fixture.Delays(held) >= 3, "three attempts for alerting.test were put off");
        await Wait.UntilAsync(() => Alerts("alerting.test").Count == 1, "the alert for alerting.test arrived");
        var alert = Alerts("alerting.test")[0];
        Assert.Contains("Subject: [Warning]-[relay.node1.test]: (System) TLS was required for destination domain alerting.test", alert, StringComparison.Ordinal);
        Assert.Contains("STARTTLS command not supported", alert, StringComparison.Ordinal);
        Assert.Contains("To: admin@alerts.test", alert, StringComparison.Ordinal);
        var seen = fixture.Delays(held);
        await Wait.UntilAsync(() => fixture.Delays(held) >= seen + 2, "two more attempts were put off");
        Assert.Single(Alerts("alerting.test"));

        var m = fixture.Cluster.Manager;
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

    private List<string> Alerts(string domain) =>
        [.. fixture.Unfolded("pfnone").Where(m => m.Contains("Subject: [Warning]", StringComparison.Ordinal) && m.Contains("TLS was required for destination domain " + domain + " ", StringComparison.Ordinal))];
}
