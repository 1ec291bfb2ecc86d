using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Gui;

/// <summary>The technote's admin tasks done in a browser against a running manager and node.</summary>
[Collection("gui")]
public sealed class GuiFlowTests(GuiFixture gui)
{
    [Fact]
    public async Task The_technote_flow_in_the_browser_gives_the_listener_its_signed_certificate_and_required_TLS()
    {
        var run = await gui.RunScenarioAsync("technote-flow.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        var version = (await gui.Cluster.Manager.Http.GetJsonAsync("api/v1/history")).AsArray().Count;
        await gui.Node.WaitAppliedAsync(version);
        var history = (await gui.Cluster.Manager.Http.GetJsonAsync("api/v1/history")).AsArray();
        Assert.Equal("Signed certificate on IncomingMail, TLS required", (string?)history[^1]!["comment"]);
        Assert.Equal("gui:admin", (string?)history[^1]!["author"]);

        // The listener now presents the CA-signed certificate with its intermediate...
        var shown = await OpenSsl.RunAsync(gui.Work, ["s_client", "-starttls", "smtp", "-connect", gui.Listener.ToString(), "-showcerts", "-CAfile", gui.Ca.RootCertificate], "QUIT\r\n");
        var subject = shown.Output.Split('\n').First(l => l.StartsWith("subject=", StringComparison.Ordinal));
        Assert.All(["CN = mx1.example.test", "O = Example Corp", "OU = Mail", "L = Springfield", "ST = Illinois", "C = US"], part => Assert.Contains(part, subject, StringComparison.Ordinal));
        Assert.Contains("issuer=CN = GUI Intermediate CA", shown.Output, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", shown.Output, StringComparison.Ordinal);

        // ...and refuses mail before STARTTLS.
        await using var probe = await SmtpProbe.ConnectAsync(gui.Listener);
        await probe.ReplyAsync();
        await probe.CommandAsync("EHLO client.sender.test");
        Assert.StartsWith("530 5.7.0", await probe.CommandAsync("MAIL FROM:<a@sender.test>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_destination_control_and_the_alert_setting_are_committed_from_the_browser()
    {
        var run = await gui.RunScenarioAsync("destination-controls.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        var cluster = await gui.Cluster.Manager.Http.GetJsonAsync("api/v1/config");
        var partner = cluster["destination_controls"]!.AsArray().Single(d => (string?)d!["domain"] == "partner.example.test")!;
        Assert.Equal("OUTBOUND_TLS_REQUIRED_VERIFY", (string?)partner["tls"]);
        Assert.Equal(10, (int?)partner["max_concurrent_connections"]);
        Assert.True((bool?)cluster["destination_global"]!["alert_on_required_tls_failure"]);
        Assert.Equal("demo", (string?)cluster["destination_global"]!["certificate"]);
    }

    [Fact]
    public async Task The_LDAP_client_certificate_and_URL_filtering_set_in_the_browser_reach_the_node()
    {
        var run = await gui.RunScenarioAsync("services.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        var latest = (await gui.Cluster.Manager.Http.GetJsonAsync("api/v1/history")).AsArray().Count;
        await gui.Node.WaitAppliedAsync(latest);
        var applied = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(gui.Node.DataDir, "state", "last-good.json")))!;
        Assert.Equal("demo", (string?)applied["cluster"]!["ldap_global"]!["certificate"]);
        Assert.True((bool?)applied["cluster"]!["web_security"]!["enabled"]);
        Assert.Equal("demo", (string?)applied["cluster"]!["web_security"]!["client_certificate"]);
    }

    [Fact]
    public async Task Bad_input_in_forms_is_explained_on_the_page_and_changes_nothing()
    {
        var before = await gui.Cluster.Manager.Http.GetJsonAsync("api/v1/changes");
        var run = await gui.RunScenarioAsync("bad-input.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(before.ToJsonString(), (await gui.Cluster.Manager.Http.GetJsonAsync("api/v1/changes")).ToJsonString());
    }

    [Fact]
    public async Task Every_field_of_the_tracking_form_is_found_by_its_label_which_sits_beside_it()
    {
        var run = await gui.RunScenarioAsync("tracking-form.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
    }

    [Fact]
    public async Task The_queue_page_shows_a_held_message_and_bounces_it_with_the_command_audited()
    {
        // Mail for example.test goes to a port nobody listens on: it waits in the queue (sent over
        // STARTTLS: another scenario may have made the listener require it).
        var m = gui.Cluster.Manager;
        (await m.LoadConfigAsync($"smtp_routes: [{{domain: example.test, hosts: [{{host: 127.0.0.1, port: {FreePort.On(System.Net.IPAddress.Loopback)}}}]}}]", merge: true)).Succeeded();
        await gui.Node.WaitAppliedAsync(await m.CommitAsync("example.test waits"));
        var sent = (await Swaks.SendAsync(gui.Listener, "user@example.test", "--tls", "--from", "sender@example.net")).Succeeded();
        var mid = System.Text.RegularExpressions.Regex.Match(sent.Output, @"250 2\.0\.0 Ok: queued as (\d+)").Groups[1].Value;

        var run = await gui.RunScenarioAsync("queue.mjs", new Dictionary<string, string> { ["HELD_MID"] = mid });

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var audit = (await gui.Cluster.Manager.CliAsync("audit")).Succeeded().Output;
        Assert.Contains($"queue bounce", audit, StringComparison.Ordinal);
        Assert.Contains($"MID {mid} on node1: node1 ok", audit, StringComparison.Ordinal);
        Assert.Contains("gui:admin", audit, StringComparison.Ordinal);
    }

    [Fact]
    public Task The_TLS_reports_page_shows_each_node_answering_and_sends_the_day_with_the_command_audited() =>
        ReportsPageAsync("tls_reporting", "{enabled: true, organization_name: Gatehouse GUI Test, contact_info: \"mailto:tls-admin@gui.test\", submitter: gui.test}", "tls-reports.mjs", "tls-report send");

    [Fact]
    public Task The_DMARC_reports_page_shows_each_node_answering_and_sends_the_day_with_the_command_audited() =>
        ReportsPageAsync("dmarc_reporting", "{enabled: true, organization_name: Gatehouse GUI Test, email: dmarc-reports@gui.test}", "dmarc-reports.mjs", "dmarc-report send");

    [Fact]
    public async Task The_mode_switch_overrides_at_machine_level_and_goes_back_to_the_cluster_value()
    {
        var run = await gui.RunScenarioAsync("machine-level.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
    }

    [Fact]
    public async Task A_group_override_set_in_the_browser_reaches_the_groups_member()
    {
        var m = gui.Cluster.Manager;
        (await m.CliAsync("groups", "create", "Edge")).Succeeded();
        (await m.CliAsync("groups", "add", "Edge", gui.Node.Name)).Succeeded();
        await gui.Node.WaitAppliedAsync(await m.CommitAsync("group Edge"));

        var run = await gui.RunScenarioAsync("group-level.mjs");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        var group = await m.Http.GetJsonAsync("api/v1/config?group=Edge");
        Assert.Equal("OUTBOUND_TLS_REQUIRED", (string?)group["destination_controls"]![0]!["tls"]);
        var effective = (await m.CliAsync("showconfig", "--machine", gui.Node.Name, "--effective")).Succeeded().Output;
        Assert.Contains("level: group Edge", effective, StringComparison.Ordinal);
        Assert.Contains("Edge: its own destination control", (await m.CliAsync("history")).Output, StringComparison.Ordinal);
        var version = (long)(await m.Http.GetJsonAsync("api/v1/history")).AsArray()[^1]!["version"]!;
        await gui.Node.WaitAppliedAsync(version);

        // The node's own level is untouched: back out of the group, it runs the cluster's settings again.
        (await m.CliAsync("groups", "remove", "Edge", gui.Node.Name)).Succeeded();
        await gui.Node.WaitAppliedAsync(await m.CommitAsync("node out of Edge"));
        Assert.DoesNotContain("group Edge", (await m.CliAsync("showconfig", "--machine", gui.Node.Name, "--effective")).Succeeded().Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alert_is_listed_in_the_alert_log_and_acknowledged_in_the_browser()
    {
        var m = gui.Cluster.Manager;
        // 192.0.2.10 (TEST-NET-1) is a valid address, so the manager accepts it, but it is not the node's.
        (await m.LoadConfigAsync("ip_interfaces: [{name: Unreachable, address: 192.0.2.10}]", machine: gui.Node.Name, merge: true)).Succeeded();
        var refused = await m.CommitAsync("an interface the node cannot have");
        try
        {
            var key = $"nack:{gui.Node.Name}:{refused}";
            await Wait.UntilAsync(async () => ((JsonArray)await m.Http.GetJsonAsync("api/v1/alerts")).Any(a => (string?)a!["key"] == key), "the manager raised the alert");

            var run = await gui.RunScenarioAsync("alert-log.mjs");
            Assert.True(run.ExitCode == 0, run.Output + run.Error);

            var alert = ((JsonArray)await m.Http.GetJsonAsync("api/v1/alerts")).Single(a => (string?)a!["key"] == key)!;
            Assert.Equal("gui:admin", (string?)alert["acknowledged_by"]);
        }
        finally
        {
            (await m.LoadConfigAsync($"ip_interfaces: [{{name: Unreachable, address: {gui.Node.Address}}}]", machine: gui.Node.Name, merge: true)).Succeeded();
            await gui.Node.WaitAppliedAsync(await m.CommitAsync("the node's interfaces are its own again"));
        }
    }

    // Reporting on for the scenario (which shows the day and sends it), the send in the audit log, then off again.
    private async Task ReportsPageAsync(string setting, string enabled, string scenario, string audited)
    {
        var m = gui.Cluster.Manager;
        (await m.LoadConfigAsync($"manager: {{{setting}: {enabled}}}", merge: true)).Succeeded();
        await gui.Node.WaitAppliedAsync(await m.CommitAsync($"{setting} on"));
        try
        {
            var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var run = await gui.RunScenarioAsync(scenario, new Dictionary<string, string> { ["TODAY"] = today });
            Assert.True(run.ExitCode == 0, run.Output + run.Error);
            var audit = (await m.CliAsync("audit")).Succeeded().Output;
            Assert.Matches($@"(?m)gui:admin.*{audited}.*{today}:", audit);
        }
        finally
        {
            (await m.LoadConfigAsync($"manager: {{{setting}: {{enabled: false}}}}", merge: true)).Succeeded();
            await gui.Node.WaitAppliedAsync(await m.CommitAsync($"{setting} off"));
        }
    }
}
