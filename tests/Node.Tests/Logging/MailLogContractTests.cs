using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Logging;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Node.Tests.Logging;

/// <summary>
/// The mail log is a contract: SIEM parsers written for the appliance's text mail logs anchor
/// on its wording. Every line kind is written here and read back with the patterns those
/// parsers use — the Elastic integration for the appliance (<c>cisco_secure_email_gateway</c>,
/// its text mail log pipeline, rewritten from grok into .NET regular expressions) and, for
/// line kinds it leaves to its catch-all, the appliance's own line forms as public report tools
/// for its logs match them. Lines that only Gatehouse writes must not be mistaken by those
/// patterns for something else. A new line kind fails the test until it is listed here.
/// </summary>
public sealed partial class MailLogContractTests : IDisposable
{
    private const string Ip = @"(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]+";
    private static readonly IPAddress Local = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Remote = IPAddress.Parse("198.51.100.7");
    private readonly NodeFixture node = new();

    // Elastic: the line prefix of a text mail log file, and its date formats.
    private static readonly Regex Prefix = new(@"^(?<timestamp>\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}) (?<level>\w+): (?<message>.*)$");

    // Elastic's specific patterns for the text mail log (those for engines Gatehouse has not are left out).
    private static readonly Dictionary<string, Regex> Elastic = new()
    {
        ["new-icid"] = new($@"^(?<status>\w+) (?<protocol>\w+) ICID (?<icid>\d+) interface (?<ifname>.*?) \((?<interface>{Ip})\) address (?<address>{Ip}) reverse dns host (?<host>.*?) verified (?<verified>\w+)$"),
        ["start-mid"] = new(@"^(?<status>\w+) MID (?<mid>\d+) ICID (?<icid>\d+)$"),
        ["from"] = new(@"^MID (?<mid>\d+) ICID (?<icid>\d+) From: <(?<from>.*?)>$"),
        ["to"] = new(@"^MID (?<mid>\d+) ICID (?<icid>\d+) RID (?<rid>.*?) To: <(?<to>.*?)>$"),
        ["ready"] = new(@"^MID (?<mid>\d+) ready (?<bytes>\d+) bytes from <(?<from>.*?)>$"),
        ["icid-status"] = new(@"^ICID (?<icid>\d+) (?<status>\w+)$"),
        ["new-dcid"] = new($@"^(?<status>.*?) (?<protocol>\w+) DCID (?<dcid>\d+) interface (?<interface>{Ip}) address (?<address>{Ip})$"),
        ["done-participants"] = new(@"^(?<status>.*) DCID (?<dcid>\d+) MID (?<mid>\d+) to RID \[(?<rid>.*?)\]\s\[(?<participants>.*?)\]$"),
        ["dcid-status"] = new(@"^DCID (?<dcid>\d+) (?<status>\w+)$"),
        ["response"] = new(@"^MID (?<mid>\d+) RID \[(?<rid>.*?)\] Response (?<response>.*)$"),
        ["subject"] = new(@"^MID (?<mid>\d+) Subject ""(?<subject>.*)""$"),
        ["for-delivery"] = new(@"^MID (?<mid>\d+) (?<status>.*) for delivery$"),
        ["finished-done"] = new(@"^Message (?<status>.*) MID (?<mid>\d+) done$"),
        ["message-id"] = new(@"^MID (?<mid>\d+) Message-ID '\<(?<id>.*)\>'$"),
        ["alert-sent"] = new(@"^A System/Warning (?<kind>.*?) was sent to (?<to>.*?) with subject (?<subject>.*)\.$"),
    };

    // The appliance's line forms for what Elastic leaves to its catch-all.
    private static readonly Dictionary<string, Regex> Appliance = new()
    {
        ["sender-group"] = new(@"^ICID (?<icid>\d+) (?<behavior>ACCEPT|RELAY|REJECT|TCPREFUSE|CONTINUE) SG (?<group>\S+) match (?<match>.*) SBRS (?<sbrs>\S+)$"),
        ["icid-receiving-failed"] = new(@"^ICID (?<icid>\d+) Receiving Failed: (?<reason>.+)$"),
        ["mid-receiving-failed"] = new(@"^MID (?<mid>\d+) ICID (?<icid>\d+) (?:Receiving Failed|rejected): (?<reason>.+)$"),
        ["icid-tls-success"] = new(@"^ICID (?<icid>\d+) TLS success protocol (?<protocol>\S+) cipher (?<cipher>\S+)$"),
        ["icid-tls-failed"] = new(@"^ICID (?<icid>\d+) TLS failed(?:: (?<reason>.+))?$"),
        ["icid-tls-required"] = new(@"^ICID (?<icid>\d+) TLS was required but remote host did not initiate it$"),
        ["rcpt-rejected"] = new(@"^MID (?<mid>\d+) ICID (?<icid>\d+) To: <(?<to>.*?)> (?<verdict>Rejected|Deferred)\b.*$"),
        ["aborted"] = new(@"^Message aborted MID (?<mid>\d+) (?<reason>.+)$"),
        ["new-dcid-port"] = new($@"^New SMTP DCID (?<dcid>\d+) interface (?<interface>{Ip}) address (?<address>{Ip}) port (?<port>\d+)$"),
        ["connection-error"] = new($@"^Connection Error: DCID:? (?<dcid>\d+) .*IP: (?<address>{Ip}) .*details: (?<details>.+?) interface: (?<interface>\S+)$"),
        ["dcid-tls-success"] = new(@"^DCID (?<dcid>\d+) TLS success protocol (?<protocol>\S+) cipher (?<cipher>\S+)$"),
        ["dcid-tls-failed"] = new(@"^DCID (?<dcid>\d+) TLS failed: (?<reason>STARTTLS unexpected response|.+)$"),
        ["dcid-starttls-unsupported"] = new(@"^DCID (?<dcid>\d+) STARTTLS command not supported$"),
        ["dcid-tls-required"] = new(@"^DCID (?<dcid>\d+) TLS was required but could not be successfully negotiated$"),
        ["dcid-tls-unverified"] = new(@"^DCID (?<dcid>\d+) TLS certificate not verified.*$"),
        ["dcid-response"] = new(@"^DCID (?<dcid>\d+) Response '(?<response>.*)'$"),
        ["delivery-start"] = new(@"^Delivery start DCID (?<dcid>\d+) MID (?<mid>\d+) to RID \[(?<rid>[\d, ]+)\]$"),
        ["message-done"] = new(@"^Message done DCID (?<dcid>\d+) MID (?<mid>\d+) to RID \[(?<rid>[\d, ]+)\]$"),
        ["bounced"] = new(@"^Bounced: DCID:? (?<dcid>\d+) (?:Message|MID) (?<mid>\d+) to (?:RID )?(?<rid>\d+) - (?<status>\d\.\d{1,3}\.\d{1,3}) - (?<text>.+?) (?<detail>\('\d{3}', \[.*\]\))$"),
        ["delayed"] = new(@"^Delayed: DCID:? (?<dcid>\d+) (?:Message|MID) (?<mid>\d+) to (?:RID )?\[(?<rid>[\d, ]+)\] - (?<status>\d\.\d{1,3}\.\d{1,3}) - (?<text>.+?) (?<detail>\('\d{3}', \[.*\]\))$"),
        ["finished"] = new(@"^Message finished MID (?<mid>\d+) (?<outcome>done|aborted)$"),
        ["bounce-generated"] = new(@"^MID (?<mid>\d+) was generated for bounce of MID (?<original>\d+)$"),
    };

    /// <summary>Each line kind: a sample, the pattern that must read it, and fields it must find.</summary>
    private static readonly (string Kind, Action<MailLog> Write, string? Pattern, (string Group, string Value)[] Fields)[] Kinds =
    [
        ("NewConnection", l => l.NewConnection(5, "Data 1", Local, Remote, "mx.example.test", "yes"), "new-icid",
            [("icid", "5"), ("ifname", "Data 1"), ("interface", "192.0.2.10"), ("address", "198.51.100.7"), ("host", "mx.example.test"), ("verified", "yes")]),
        ("HostAccessDecided", l => l.HostAccessDecided(5, "RELAY", "RELAYLIST", "192.0.2.0/24"), "sender-group", [("icid", "5"), ("behavior", "RELAY"), ("group", "RELAYLIST")]),
        ("RefusedNodeConnectionLimit", l => l.RefusedNodeConnectionLimit(5, 1001, 1000, Remote), null, []),
        ("RefusedAddressConnectionLimit", l => l.RefusedAddressConnectionLimit(5, 11, Remote, 10), null, []),
        ("ConnectionClosed", l => l.ConnectionClosed(5), "icid-status", [("icid", "5"), ("status", "close")]),
        ("ConnectionLost", l => l.ConnectionLost(5), "icid-status", [("icid", "5"), ("status", "lost")]),
        ("CommandLineTooLong", l => l.CommandLineTooLong(5, 4096), "icid-receiving-failed", [("icid", "5")]),
        ("TooManyErrors", l => l.TooManyErrors(5), "icid-receiving-failed", [("icid", "5"), ("reason", "too many errors")]),
        ("ReceivingTimeout", l => l.ReceivingTimeout(5, "no complete line within 300 s"), "icid-receiving-failed", [("icid", "5")]),
        ("SessionTooLong", l => l.SessionTooLong(5, 1800), "icid-receiving-failed", [("icid", "5")]),
        ("ListenerStopping", l => l.ListenerStopping(5), "icid-receiving-failed", [("icid", "5")]),
        ("ListenerStoppingMidTransaction", l => l.ListenerStoppingMidTransaction(5, 9), "icid-receiving-failed", [("icid", "5")]),
        ("InboundTlsNotStarted", l => l.InboundTlsNotStarted(5), "icid-tls-required", [("icid", "5")]),
        ("PlaintextAfterStartTls", l => l.PlaintextAfterStartTls(5, 20), null, []),
        ("InboundTlsFailed", l => l.InboundTlsFailed(5, "Authentication failed"), "icid-tls-failed", [("icid", "5"), ("reason", "Authentication failed")]),
        ("InboundTlsSucceeded", l => l.InboundTlsSucceeded(5, "TLSv1.3", "TLS_AES_256_GCM_SHA384"), "icid-tls-success", [("icid", "5"), ("protocol", "TLSv1.3"), ("cipher", "TLS_AES_256_GCM_SHA384")]),
        ("ClientCertificateNotVerified", l => l.ClientCertificateNotVerified(5, "CN=client", "untrusted root"), null, []),
        ("MessageStarted", l => l.MessageStarted(9, 5), "start-mid", [("status", "Start"), ("mid", "9"), ("icid", "5")]),
        ("Sender", l => l.Sender(9, 5, "a@example.test"), "from", [("mid", "9"), ("icid", "5"), ("from", "a@example.test")]),
        ("RequireTlsRequested", l => l.RequireTlsRequested(9, 5), null, []),
        ("TlsRequiredNo", l => l.TlsRequiredNo(9), null, []),
        ("Recipient", l => l.Recipient(9, 5, 0, "b@example.test"), "to", [("mid", "9"), ("icid", "5"), ("rid", "0"), ("to", "b@example.test")]),
        ("RecipientRejectedRouting", l => l.RecipientRejectedRouting(9, 5, "b%c@example.test"), "rcpt-rejected", [("mid", "9"), ("to", "b%c@example.test"), ("verdict", "Rejected")]),
        ("RecipientRejectedByRat", l => l.RecipientRejectedByRat(9, 5, "b@elsewhere.test"), "rcpt-rejected", [("mid", "9"), ("verdict", "Rejected")]),
        ("RecipientRejectedByLdap", l => l.RecipientRejectedByLdap(9, 5, "x@example.test", "corp"), "rcpt-rejected", [("mid", "9"), ("verdict", "Rejected")]),
        ("RecipientDeferredLdap", l => l.RecipientDeferredLdap(9, 5, "x@example.test", "corp", "timeout"), "rcpt-rejected", [("mid", "9"), ("verdict", "Deferred")]),
        ("MessageReady", l => l.MessageReady(9, 1234, "a@example.test"), "ready", [("mid", "9"), ("bytes", "1234"), ("from", "a@example.test")]),
        ("QueuedForDelivery", l => l.QueuedForDelivery(9), "for-delivery", [("mid", "9"), ("status", "queued")]),
        ("QueueCannotStore", l => l.QueueCannotStore(9, 5, "No space left on device"), "mid-receiving-failed", [("mid", "9"), ("icid", "5")]),
        ("MessageTooLarge", l => l.MessageTooLarge(9, 5, 10_485_760), "mid-receiving-failed", [("mid", "9")]),
        ("MailLoop", l => l.MailLoop(9, 5, 100), "mid-receiving-failed", [("mid", "9")]),
        ("BareLineEnding", l => l.BareLineEnding(9, 5), "mid-receiving-failed", [("mid", "9")]),
        ("MessageAborted", l => l.MessageAborted(9), "aborted", [("mid", "9"), ("reason", "Receiving aborted by sender")]),
        ("UrlFilteringUnavailableDeferred", l => l.UrlFilteringUnavailableDeferred(9, "timeout"), null, []),
        ("UrlFilteringUnavailableDelivered", l => l.UrlFilteringUnavailableDelivered(9, "timeout"), null, []),
        ("UrlRejected", l => l.UrlRejected(9, "malicious; urls=1; flagged=1"), null, []),
        ("UrlVerdict", l => l.UrlVerdict(9, "clean; urls=2; flagged=0"), null, []),
        ("DkimSigning", l => l.DkimSigning(9, "signed with profile P (d=example.test, s=s1) for example.test"), null, []),
        ("DkimVerified", l => l.DkimVerified(9, "pass (d=example.test s=s1), fail (d=other.test s=x signature did not verify)"), null, []),
        ("SpfChecked", l => l.SpfChecked(9, "pass", "example.test: ip4 matched 192.0.2.1"), null, []),
        ("SpfRefused", l => l.SpfRefused(7, "example.test: all matched 192.0.2.1"), null, []),
        ("SpfDeferred", l => l.SpfDeferred(7, "DNS failed for example.test"), null, []),
        ("DmarcChecked", l => l.DmarcChecked(9, "fail (header.from=example.test p=reject dis=reject neither SPF nor DKIM aligned with the From domain)"), null, []),
        ("DmarcRefused", l => l.DmarcRefused(9, "example.test"), null, []),
        ("DmarcDeferred", l => l.DmarcDeferred(9, "example.test"), null, []),
        ("ArcVerified", l => l.ArcVerified(9, "pass (i=2)"), null, []),
        ("ArcSealed", l => l.ArcSealed(9, "sealed as i=3 with profile Gateway (d=example.test, s=arc)"), null, []),
        ("ContentScanned", l => l.ContentScanned(9, "rspamd", "no action (score 1.20/15.00: MIME_GOOD, R_SPF_ALLOW)"), null, []),
        ("ContentScanRefused", l => l.ContentScanRefused(9, "rspamd", "554 5.7.1 Gtube pattern"), null, []),
        ("ContentScanUnavailable", l => l.ContentScanUnavailable(9, "rspamd", "no verdict within 15 s", "defer"), null, []),
        ("ContentScanDiscarded", l => l.ContentScanDiscarded(9, "a content scanner discarded it"), null, []),
        ("MessageQuarantined", l => l.MessageQuarantined(9, "Infected (Eicar-Signature)"), null, []),
        ("NewDeliveryConnection", l => l.NewDeliveryConnection(12, Local, Remote, 25), "new-dcid-port", [("dcid", "12"), ("interface", "192.0.2.10"), ("address", "198.51.100.7"), ("port", "25")]),
        ("ConnectionError", l => l.ConnectionError(12, "example.test", Remote, 25, "ConnectionRefused", "192.0.2.10"), "connection-error",
            [("dcid", "12"), ("address", "198.51.100.7"), ("details", "ConnectionRefused"), ("interface", "192.0.2.10")]),
        ("DeliveryTlsFailed", l => l.DeliveryTlsFailed(12, "STARTTLS unexpected response"), "dcid-tls-failed", [("dcid", "12"), ("reason", "STARTTLS unexpected response")]),
        ("StartTlsNotSupported", l => l.StartTlsNotSupported(12), "dcid-starttls-unsupported", [("dcid", "12")]),
        ("DeliveryTlsRequired", l => l.DeliveryTlsRequired(12), "dcid-tls-required", [("dcid", "12")]),
        ("DeliveryConnectionClosed", l => l.DeliveryConnectionClosed(12), "dcid-status", [("dcid", "12"), ("status", "close")]),
        ("DeliveryTlsSucceeded", l => l.DeliveryTlsSucceeded(12, "TLSv1.3", "TLS_AES_256_GCM_SHA384"), "dcid-tls-success", [("dcid", "12"), ("protocol", "TLSv1.3")]),
        ("DeliveryTlsUnverified", l => l.DeliveryTlsUnverified(12, "name mismatch"), "dcid-tls-unverified", [("dcid", "12")]),
        ("ConnectionResponse", l => l.ConnectionResponse(12, "454 4.7.0 TLS not available"), "dcid-response", [("dcid", "12"), ("response", "454 4.7.0 TLS not available")]),
        ("CachedConnectionClosed", l => l.CachedConnectionClosed(12), null, []),
        ("DeliveryStart", l => l.DeliveryStart(12, 9, MailLog.Rids([0, 1])), "delivery-start", [("dcid", "12"), ("mid", "9"), ("rid", "0, 1")]),
        ("MessageDone", l => l.MessageDone(12, 9, MailLog.Rids([0, 1])), "message-done", [("dcid", "12"), ("mid", "9"), ("rid", "0, 1")]),
        ("RecipientResponse", l => l.RecipientResponse(9, MailLog.Rids([0, 1]), "2.0.0 Ok: queued as 4XyZ"), "response", [("mid", "9"), ("rid", "0, 1"), ("response", "'2.0.0 Ok: queued as 4XyZ'")]),
        ("Bounced", l => l.Bounced(12, 9, 1, "5.1.1", MailLog.Answer("550 5.1.1 <b@example.test>: user unknown")), "bounced",
            [("dcid", "12"), ("mid", "9"), ("rid", "1"), ("status", "5.1.1"), ("detail", "('550', ['5.1.1 <b@example.test>: user unknown'])")]),
        ("Delayed", l => l.Delayed(0, 9, MailLog.Rids([0, 1]), "4.0.0", MailLog.Answer("mx.example.test [198.51.100.7]: STARTTLS command not supported")), "delayed",
            [("dcid", "0"), ("mid", "9"), ("rid", "0, 1"), ("status", "4.0.0"), ("detail", "('000', ['mx.example.test [198.51.100.7]: STARTTLS command not supported'])")]),
        ("MessageFinished", l => l.MessageFinished(9, "done"), "finished-done", [("mid", "9"), ("status", "finished")]),
        ("BounceNotSent", l => l.BounceNotSent(9), null, []),
        ("BounceGenerated", l => l.BounceGenerated(10, 9), "bounce-generated", [("mid", "10"), ("original", "9")]),
        ("ProgressNotSaved", l => l.ProgressNotSaved(9, "No space left on device"), null, []),
        ("DestinationAnswersAgain", l => l.DestinationAnswersAgain("example.test", 3), null, []),
        ("TlsVerify", l => l.TlsVerify("example.test", ".example.test", "required_verify"), null, []),
        ("MtaStsPolicyFetched", l => l.MtaStsPolicyFetched("example.test", "enforce (id 20260101, max_age 86400 s, mx mx.example.test)"), null, []),
        ("MtaStsPolicyFailed", l => l.MtaStsPolicyFailed("example.test", "policy fetch from mta-sts.example.test failed: HTTP 404, not 200"), null, []),
        ("MtaStsPolicyShared", l => l.MtaStsPolicyShared("example.test", "enforce (id 20260101, max_age 86400 s, mx mx.example.test)"), null, []),
        ("MtaStsApplied", l => l.MtaStsApplied("example.test", "enforce", "TLS verified for mx.example.test"), null, []),
        ("DaneApplied", l => l.DaneApplied("mx.example.test", "TLS required, authenticated by TLSA 3 1 1 0a1b2c3d4e5f6a7b…"), null, []),
        ("PublishedPolicyOverridden", l => l.PublishedPolicyOverridden(9, 12, "destination control example.test", "DANE", "example.test"), null, []),
        ("RequireTlsHostPassedOver", l => l.RequireTlsHostPassedOver(12, "550 5.7.30 REQUIRETLS support required: mx.example.test does not offer REQUIRETLS"), null, []),
        ("DeliverySuspended", l => l.DeliverySuspended("example.test"), null, []),
        ("DeliveryResumed", l => l.DeliveryResumed("example.test"), null, []),
        ("DeletedByAdministrator", l => l.DeletedByAdministrator(9), null, []),
        ("RedirectedByAdministrator", l => l.RedirectedByAdministrator(9, "[mx.other.test]:25"), null, []),
        ("QuarantineReleased", l => l.QuarantineReleased(9), null, []),
        ("QueueSwept", l => l.QueueSwept(2), null, []),
        ("QueueSweepFailed", l => l.QueueSweepFailed("Permission denied"), null, []),
        ("QueueStorageLow", l => l.QueueStorageLow(1000, 2000), null, []),
        ("QueueStorageRecovered", l => l.QueueStorageRecovered(3000, 2000), null, []),
        ("AlertSent", l => l.AlertSent(11, "Warning", "System", "admin@example.test", "TLS was required"), null, []),
        ("HarvestLimitReached", l => l.HarvestLimitReached(9, 5, 10, "192.0.2.7", "THROTTLED"), null, []),
        ("TooManyRefusedRecipients", l => l.TooManyRefusedRecipients(5, 20), null, []),
        ("AlertReported", l => l.AlertReported("Warning", "System", "TLS was required"), null, []),
        ("TlsReportMailed", l => l.TlsReportMailed(12, "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "example.test", "tlsrpt@example.test"), null, []),
        ("TlsReportPosted", l => l.TlsReportPosted("5065427c-23d3-47ca-b6e0-946ea0e8c4be", "example.test", "https://reports.example.test/tlsrpt", "HTTP 204"), null, []),
        ("DmarcReportMailed", l => l.DmarcReportMailed(13, "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "example.test", "dmarc@example.test"), null, []),
    ];

    [Fact]
    public void Every_line_kind_is_in_the_contract_with_a_unique_event_id()
    {
        var methods = typeof(MailLog).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Select(m => (m.Name, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();
        Assert.Equal(methods.Select(m => m.Name).Order(), Kinds.Select(k => k.Kind).Order());
        Assert.Equal(methods.Count, methods.Select(m => m.Attribute!.EventId).Distinct().Count());
    }

    [Fact]
    public void Every_line_kind_reads_with_the_public_patterns_and_gives_its_fields()
    {
        Assert.Empty(node.Apply(1, new LevelConfig()));
        var log = new MailLog(Path.Combine(node.DataDir, "logs"), node.Current, TimeProvider.System);
        var problems = new List<string>();
        foreach (var (kind, write, pattern, fields) in Kinds)
        {
            var line = Written(log, write);
            var prefix = Prefix.Match(line);
            if (!prefix.Success || prefix.Groups["level"].Value is not ("Info" or "Warning"))
            {
                problems.Add($"{kind}: the line prefix does not parse: {line}");
                continue;
            }

            var message = prefix.Groups["message"].Value;
            var readers = Elastic.Concat(Appliance).Where(p => p.Value.IsMatch(message)).Select(p => p.Key).ToList();
            if (pattern is null)
            {
                // Gatehouse's own lines: no parser may take them for one of the appliance's kinds.
                if (Elastic.Keys.Intersect(readers).Any())
                {
                    problems.Add($"{kind}: mistaken for {string.Join(", ", readers)}: {message}");
                }

                continue;
            }

            var match = (Elastic.TryGetValue(pattern, out var elastic) ? elastic : Appliance[pattern]).Match(message);
            if (!match.Success)
            {
                problems.Add($"{kind}: not read by {pattern}: {message}");
                continue;
            }

            problems.AddRange(fields.Where(f => match.Groups[f.Group].Value != f.Value)
                .Select(f => $"{kind}: {pattern} reads {f.Group} '{match.Groups[f.Group].Value}', not '{f.Value}': {message}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_server_answer_never_runs_on_after_the_starttls_failure()
    {
        Assert.Empty(node.Apply(1, new LevelConfig()));
        var log = new MailLog(Path.Combine(node.DataDir, "logs"), node.Current, TimeProvider.System);
        var line = Written(log, l => l.DeliveryTlsFailed(12, "STARTTLS unexpected response"));
        Assert.EndsWith(" Info: DCID 12 TLS failed: STARTTLS unexpected response", line, StringComparison.Ordinal);
        Assert.Equal(@"Failure ('000', ['it\'s gone'])", MailLog.Answer("it's gone"));
        Assert.Equal("Answer ('550', ['5.1.1 no such user'])", MailLog.Answer("550 5.1.1 no such user"));
    }

    private static string Written(MailLog log, Action<MailLog> write)
    {
        using (log.Transcribe(out var copy))
        {
            write(log);
            return Assert.Single(copy);
        }
    }

    public void Dispose() => node.Dispose();
}
