using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Gatehouse.Cluster.Tests.Fixtures;
using Gatehouse.Cluster.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// MTA-STS (RFC 8461) against real peers: policies served by nginx over HTTPS, found through
/// dnsmasq's TXT records, deciding TLS to Postfix receivers with a right and a wrong
/// certificate name — over a destination control that asks for less.
/// </summary>
[Collection("delivery")]
public sealed partial class MtaStsTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task An_enforced_policy_requires_verified_TLS_to_the_MX_hosts_it_names_and_testing_or_off_leave_the_destination_control_in_force()
    {
        var sent = new Dictionary<string, (long Mid, string Subject)>();
        foreach (var sts in DeliveryFixture.MtaStsDomains)
        {
            var subject = $"mta-sts {sts.Domain} {Guid.NewGuid():N}";
            sent[sts.Domain] = (await fixture.SendAsync($"user@{sts.Domain}", subject), subject);
        }

        // Enforced: TLS verified for mx.good.test, although the destination control says none.
        var good = await DeliveredAsync("good", sent["sts-good.test"].Subject);
        Assert.Contains("(using TLS", good, StringComparison.Ordinal);
        Assert.Contains("MTA-STS policy of sts-good.test fetched: enforce (id 20261203, max_age 86400 s, mx mx.good.test)", fixture.MailLogText(), StringComparison.Ordinal);
        // Testing, and a control that does not honour MTA-STS: the wrong name does not stop the mail.
        await DeliveredAsync("wrongname", sent["sts-testing.test"].Subject);
        await DeliveredAsync("wrongname", sent["sts-off.test"].Subject);
        // Enforced against a certificate for another name, and against an MX host the policy does not name: held.
        await HeldAsync(sent["sts-wrong.test"].Mid, "certificate not verified: certificate names other.example.net, none of mx.wrongname.test");
        await HeldAsync(sent["sts-nomatch.test"].Mid, "MTA-STS policy of sts-nomatch.test allows none of its MX hosts (mx.good.test)");

        Assert.Equal(0, fixture.MtaStsPolicies.Fetches("sts-off.test"));
        Assert.True(File.Exists(Path.Combine(fixture.Node.DataDir, "state", "mta-sts", "sts-good.test.json")));

        // The policy is kept: the next message to the domain does not fetch it again.
        var again = $"mta-sts again {Guid.NewGuid():N}";
        await fixture.SendAsync("user@sts-good.test", again);
        await DeliveredAsync("good", again);
        Assert.Equal(1, fixture.MtaStsPolicies.Fetches("sts-good.test"));
        await TlsReport.WaitForAsync(fixture.Node, "sts-good.test", "sts", p => p.Successful >= 2 && p.Strings.Contains("mode: enforce") && p.Strings.Contains("mx: mx.good.test"));
        await TlsReport.WaitForAsync(fixture.Node, "sts-wrong.test", "sts", p => p.Failures.Any(f => f is { ResultType: "certificate-host-mismatch", Host: "mx.wrongname.test" }));
    }

    [Fact]
    public async Task A_member_whose_key_the_attacker_holds_cannot_turn_MTA_STS_off_nor_stop_a_domains_mail_and_an_admin_lists_and_purges_what_it_shared()
    {
        var m = fixture.Cluster.Manager;
        var domain = DeliveryFixture.SharedByMember;
        using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(m.CaFile);
        await using var member = new MemberNode("member-sts", IPAddress.Parse("127.0.3.10"), m.Url, clusterCa);
        await member.JoinAsync(await m.CreateTokenAsync());
        await member.ConnectAsync();
        try
        {
            // The real id, mode none for a year: refused, so no node turns MTA-STS off for the domain.
            await member.SendAsync(new NodeMessage { StsPolicy = Policy(domain, "version: STSv1\nmode: none\nmax_age: 31557600\n") });
            await Wait.UntilAsync(() => m.Process.Output.Contains($"MTA-STS policy of {domain} from node member-sts refused: only enforce policies are shared", StringComparison.Ordinal), "the manager refuses mode none");
            // The real id, enforce with an MX the domain does not use: kept (first of its id) and passed on...
            await member.SendAsync(new NodeMessage { StsPolicy = Policy(domain, "version: STSv1\nmode: enforce\nmx: mx.nowhere.test\nmax_age: 31557600\n") });
            await fixture.Node.WaitForMailLogAsync($"MTA-STS policy of {domain} taken from the cluster: enforce (id 20261203, max_age 31557600 s, mx mx.nowhere.test)");
            var listed = (await m.CliAsync("sts", "list")).Succeeded().Output;
            Assert.Matches($@"(?m)^{Regex.Escape(domain)}\s+20261203\s+enforce\s+mx\.nowhere\.test\s+member-sts\s", listed);

            // ...but mail to the domain still flows: a learned policy that turns away every MX is checked at the policy host.
            var subject = $"shared policy {Guid.NewGuid():N}";
            await fixture.SendAsync($"user@{domain}", subject);
            await Wait.UntilAsync(() => fixture.Unfolded("good").Any(message => message.Contains(subject, StringComparison.Ordinal)), "delivered under the policy the node fetched itself");
            Assert.Equal(1, fixture.MtaStsPolicies.Fetches(domain));
            Assert.Contains($"MTA-STS policy of {domain} fetched: enforce (id 20261203, max_age 86400 s, mx mx.good.test)", fixture.MailLogText(), StringComparison.Ordinal);
            // The node shares what it fetched; the manager keeps the first word under that id and says whose it was.
            await Wait.UntilAsync(() => m.Process.Output.Contains($"MTA-STS policy of {domain} from node node1 refused: looser than the one kept under the same id 20261203 (shared by member-sts)", StringComparison.Ordinal),
                "the manager flags the conflict");

            // The admin purges it (audited); the node drops its copy and would fetch again.
            Assert.Contains($"Purged the shared policy of {domain}", (await m.CliAsync("sts", "purge", domain)).Succeeded().Output, StringComparison.Ordinal);
            Assert.DoesNotContain(domain, (await m.CliAsync("sts", "list")).Succeeded().Output, StringComparison.Ordinal);
            var audit = (await m.Http.GetJsonAsync("api/v1/audit?last=20")).AsArray();
            Assert.Contains(audit, e => (string?)e!["action"] == "sts purge" && (string?)e["detail"] == domain);
            await Wait.UntilAsync(() => !File.Exists(Path.Combine(fixture.Node.DataDir, "state", "mta-sts", $"{domain}.json")), "the node drops its copy");
        }
        finally
        {
            // Other tests of the collection ask every registered node.
            using var removed = await m.Http.SendAsync(HttpMethod.Delete, "api/v1/nodes/member-sts");
        }
    }

    private static SharedMtaStsPolicy Policy(string domain, string text) => new()
    {
        Domain = domain,
        Id = "20261203",
        PolicyText = text,
        FetchedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(1)),
    };

    [Fact]
    public async Task Tlsverify_explain_shows_the_policy_its_age_and_that_it_decides()
    {
        var shown = (await fixture.Cluster.Manager.CliAsync("tlsverify", "sts-good.test", "--explain")).Succeeded().Output;

        Assert.Matches(@"MTA-STS: enforce \(id 20261203, max_age 86400 s, mx mx\.good\.test\), fetched \d+ (min|h) ago, valid until ", shown);
        Assert.Contains("DANE: off in destination control sts-good.test", shown, StringComparison.Ordinal);
        Assert.Contains("Decided by: MTA-STS enforce", shown, StringComparison.Ordinal);
        Assert.Contains("Next delivery requires: TLS to an MX host the policy names, its certificate verified for that host; never clear text", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_says_TLS_Required_No_goes_where_the_enforced_policy_would_hold_it()
    {
        var subject = $"tls-required no {Guid.NewGuid():N}";
        var result = await Swaks.SendAsync(fixture.Relay, "user@sts-wrong.test", "--from", "sender@bounces.test", "--header", $"Subject: {subject}", "--add-header", "TLS-Required: No");
        var mid = QueuedAs().Match(result.Succeeded().Output).Groups[1].Value;

        await Wait.UntilAsync(() => fixture.Unfolded("wrongname").Any(m => m.Contains(subject, StringComparison.Ordinal)), "delivered despite the certificate's name");
        Assert.Contains($"MID {mid} TLS-Required: No: the recipient domains' DANE and MTA-STS policies are set aside for it", fixture.MailLogText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_that_cannot_be_fetched_leaves_the_control_in_force_and_is_reported()
    {
        var subject = $"no policy host {Guid.NewGuid():N}";
        await fixture.SendAsync($"user@{DeliveryFixture.PolicyHostMissing}", subject);

        await Wait.UntilAsync(() => fixture.Unfolded("good").Any(m => m.Contains(subject, StringComparison.Ordinal)), "delivered under the destination control");
        Assert.Contains($"MTA-STS policy of {DeliveryFixture.PolicyHostMissing} not refreshed: policy fetch from mta-sts.{DeliveryFixture.PolicyHostMissing} failed", fixture.MailLogText(), StringComparison.Ordinal);
        await TlsReport.WaitForAsync(fixture.Node, DeliveryFixture.PolicyHostMissing, "no-policy-found", p => p.Failures.Any(f => f.ResultType == "sts-policy-fetch-error"));
    }

    [Fact]
    public async Task A_policy_larger_than_64_KB_is_not_read_past_its_bound_and_leaves_the_control_in_force()
    {
        var subject = $"huge policy {Guid.NewGuid():N}";
        await fixture.SendAsync($"user@{DeliveryFixture.PolicyTooLarge}", subject);

        // Its enforce mode names another MX: had it been taken, the mail would be held.
        await Wait.UntilAsync(() => fixture.Unfolded("good").Any(m => m.Contains(subject, StringComparison.Ordinal)), "delivered under the destination control");
        Assert.Matches($@"MTA-STS policy of {Regex.Escape(DeliveryFixture.PolicyTooLarge)} not refreshed: policy fetch from mta-sts\.{Regex.Escape(DeliveryFixture.PolicyTooLarge)} failed: .*65536", fixture.MailLogText());
        Assert.False(File.Exists(Path.Combine(fixture.Node.DataDir, "state", "mta-sts", $"{DeliveryFixture.PolicyTooLarge}.json")));
        await TlsReport.WaitForAsync(fixture.Node, DeliveryFixture.PolicyTooLarge, "no-policy-found", p => p.Failures.Any(f => f.ResultType == "sts-policy-fetch-error"));
    }

    [Fact]
    public async Task REQUIRETLS_counts_an_enforced_policy_as_verified_TLS()
    {
        var subject = $"requiretls over mta-sts {Guid.NewGuid():N}";
        var sent = await OpenSsl.SendRequireTlsAsync(fixture.Cluster.Root, fixture.Relay, "sender@bounces.test", "user@sts-good.test", subject);
        var mid = QueuedAs().Match(sent.Output).Groups[1].Value;

        // Verified under MTA-STS, so what stops it is Postfix not offering REQUIRETLS — not the control's "none".
        await Wait.UntilAsync(() => Regex.IsMatch(fixture.MailLogText(), $@"Bounced: DCID \d+ MID {mid} to RID 0 - 5\.7\.30 "), "a 5.7.30 bounce");
        Assert.DoesNotContain(fixture.Postfix["good"].Delivered(), m => m.Contains(subject, StringComparison.Ordinal));
    }

    private async Task<string> DeliveredAsync(string receiver, string subject)
    {
        await Wait.UntilAsync(() => fixture.Unfolded(receiver).Any(m => m.Contains(subject, StringComparison.Ordinal)), $"{receiver} receives '{subject}'");
        return fixture.Unfolded(receiver).First(m => m.Contains(subject, StringComparison.Ordinal));
    }

    private Task HeldAsync(long mid, string reason) =>
        Wait.UntilAsync(
            () => fixture.MailLogText().Split('\n').Any(l => l.Contains($"Delayed: DCID 0 MID {mid} ", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal)),
            $"MID {mid} is held: {reason}");

    [GeneratedRegex(@"250 2\.0\.0 Ok: queued as (\d+)")]
    private static partial Regex QueuedAs();
}
