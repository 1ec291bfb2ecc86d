using System.Text.Json.Nodes;
using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Alerts;

/// <summary>
/// SVC-4 for the manager's own alerts: a node refusing a version is mailed once, through a
/// connected node, to the Critical/System recipients, with the appliance's subject; the alert is
/// listed with who mailed it and can be acknowledged, once, in the audit log.
/// </summary>
[Collection("delivery")]
public sealed class ManagerAlertTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task A_refused_version_is_mailed_once_listed_as_mailed_and_acknowledged_once()
    {
        var m = fixture.Cluster.Manager;
        // 192.0.2.10 (TEST-NET-1) is a valid address, so the manager accepts it, but it is not the node's.
        (await m.LoadConfigAsync("ip_interfaces: [{name: Unreachable, address: 192.0.2.10}]", machine: "node1", merge: true)).Succeeded();
        var refused = await m.CommitAsync("an interface node1 cannot have");
        try
        {
            var subject = $"Subject: [Critical]-[relay.node1.test]: (System) Node node1 refused configuration version {refused}:";
            await Wait.UntilAsync(() => Alerts(subject).Count == 1, "the alert for the refused version arrived", TimeSpan.FromSeconds(90));
            Assert.Contains("192.0.2.10 is not an address of this host", Alerts(subject)[0], StringComparison.Ordinal);
            Assert.Contains("To: admin@alerts.test", Alerts(subject)[0], StringComparison.Ordinal);

            var key = $"nack:node1:{refused}";
            await Wait.UntilAsync(async () => (string?)(await Alert(key))?["mailed_by"] == "node1", "the alert is listed as mailed by node1");
            var listed = (await m.CliAsync("alerts")).Succeeded().Output;
            Assert.Contains($"key {key}; mailed by node1; open", listed, StringComparison.Ordinal);

            Assert.Contains($"{key}: acknowledged", (await m.CliAsync("alerts", "ack", key)).Succeeded().Output, StringComparison.Ordinal);
            Assert.Contains($"{key}: was already acknowledged", (await m.CliAsync("alerts", "ack", key)).Succeeded().Output, StringComparison.Ordinal);
            Assert.Contains("no alert has that key", (await m.CliAsync("alerts", "ack", "nack:node1:999999")).Error, StringComparison.Ordinal);
            Assert.NotNull((await Alert(key))?["acknowledged_by"]);
            var audit = (await m.CliAsync("audit")).Succeeded().Output;
            Assert.Single(audit.Split('\n'), l => l.Contains("alert acknowledge", StringComparison.Ordinal) && l.Contains(key, StringComparison.Ordinal));

            // Handed out once: more dispatch rounds send nothing more.
            await Task.Delay(TestJobPeriods.Rounds(3));
            Assert.Single(Alerts(subject));
        }
        finally
        {
            (await m.LoadConfigAsync($"ip_interfaces: [{{name: Unreachable, address: {fixture.Node.Address}}}]", machine: "node1", merge: true)).Succeeded();
            await fixture.Node.WaitAppliedAsync(await m.CommitAsync("node1's interfaces are its own again"));
        }
    }

    [Fact]
    public async Task A_queue_past_its_alert_threshold_is_mailed_once_within_the_back_off()
    {
        var m = fixture.Cluster.Manager;
        var settings = "from_address: gatehouse@relay.node1.test, initial_backoff_seconds: 3600, max_backoff_seconds: 7200";
        (await m.LoadConfigAsync($"alert_settings: {{{settings}, queue_messages_alert: 1}}", machine: "node1", merge: true)).Succeeded();
        await fixture.Node.WaitAppliedAsync(await m.CommitAsync("alert when more than one message waits"));
        var mids = new List<long>();
        try
        {
            // The sink does not offer STARTTLS, so mail that requires TLS waits in the queue.
            var held = DeliveryFixture.Domain("sink", "required");
            mids.Add(await fixture.SendAsync($"a@{held}", $"held one {Guid.NewGuid():N}"));
            mids.Add(await fixture.SendAsync($"b@{held}", $"held two {Guid.NewGuid():N}"));
            var subject = "Subject: [Warning]-[relay.node1.test]: (System) The delivery queue holds ";
            await Wait.UntilAsync(() => Alerts(subject).Count == 1, "the queue alert arrived", TimeSpan.FromSeconds(60));
            Assert.Contains("more than the alert threshold of 1", Alerts(subject)[0], StringComparison.Ordinal);

            // The queue stays above the threshold: the next checks are held back.
            await Task.Delay(TestJobPeriods.Rounds(3));
            Assert.Single(Alerts(subject));
        }
        finally
        {
            (await m.LoadConfigAsync($"alert_settings: {{{settings}}}", machine: "node1", merge: true)).Succeeded();
            await fixture.Node.WaitAppliedAsync(await m.CommitAsync("no queue alert"));
            foreach (var mid in mids)
            {
                // Between attempts: a message being tried is not deleted, so ask until it is.
                await Wait.UntilAsync(async () => (await m.CliAsync("queue", "delete", mid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--machine", "node1")).ExitCode == 0, $"MID {mid} is deleted");
            }
        }
    }

    private async Task<JsonNode?> Alert(string key) =>
        ((JsonArray)await fixture.Cluster.Manager.Http.GetJsonAsync("api/v1/alerts")).FirstOrDefault(a => (string?)a!["key"] == key);

    private List<string> Alerts(string subject) => [.. fixture.Unfolded("pfnone").Where(m => m.Contains(subject, StringComparison.Ordinal))];
}
