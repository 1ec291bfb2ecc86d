using Gatehouse.Cluster.V1;
using Gatehouse.Node.Alerts;
using Gatehouse.Node.Delivery;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Runtime;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Gatehouse.Node.Tests.Delivery;

/// <summary>OUT-5 and SVC-4 pieces that need no network: retries, bounces, work splitting, alert back-off.</summary>
public sealed class OutboundQueueTests
{
    [Fact]
    public void Retries_double_from_the_initial_interval_up_to_the_maximum()
    {
        var schedule = RetrySchedule.From(new QueueSettings { InitialRetrySeconds = 60, MaxRetrySeconds = 600, MaxQueueLifetimeSeconds = 3600 });
        Assert.Equal([60, 120, 240, 480, 600, 600], Enumerable.Range(1, 6).Select(a => schedule.After(a).TotalSeconds));
        Assert.Equal(TimeSpan.FromHours(1), schedule.Lifetime);
        var defaults = RetrySchedule.From(null);
        Assert.Equal((60, 3600, 259_200), (defaults.Initial.TotalSeconds, defaults.Max.TotalSeconds, defaults.Lifetime.TotalSeconds));
    }

    [Theory]
    [InlineData("550 5.1.1 <x@y>: Recipient address rejected", "5.1.1")]
    [InlineData("451 4.3.0 Error: queue file write error", "4.3.0")]
    [InlineData("554 Transaction failed", "5.0.0")]
    [InlineData("connection to mx [127.0.0.1]:25 failed: ConnectionRefused", "4.0.0")]
    [InlineData("4.4.7 message expired after 60 s in the queue", "4.4.7")]
    public void The_enhanced_status_comes_from_the_answer_or_its_class(string reason, string status) =>
        Assert.Equal(status, TransactionOutcome.EnhancedStatus(reason));

    [Fact]
    public void Retry_waits_are_spread_around_the_schedule_so_a_burst_is_not_retried_together()
    {
        var schedule = RetrySchedule.From(new QueueSettings { InitialRetrySeconds = 60, MaxRetrySeconds = 600 });
        var random = new Random(7);

        var waits = Enumerable.Range(0, 300).Select(_ => schedule.Spread(2, random).TotalSeconds).ToList();

        Assert.All(waits, w => Assert.InRange(w, 120 * 0.85, 120 * 1.15));
        Assert.True(waits.Max() - waits.Min() > 30, $"waits span only {waits.Max() - waits.Min():0.0} s");
        Assert.True(waits.GroupBy(w => (int)w).Max(g => g.Count()) < 30, "too many retries in the same second");
    }

    [Fact]
    public void Work_is_split_by_domain_and_by_recipients_per_message_and_skips_recipients_already_done()
    {
        var envelope = new QueuedEnvelope { Mid = 7, Recipients = ["a@one.test", "b@two.test", "c@ONE.test", "d@one.test", "e@one.test"] };
        var progress = new DeliveryProgress
        {
            Recipients = [RecipientStatus.Pending, RecipientStatus.Pending, RecipientStatus.Pending, RecipientStatus.Delivered, RecipientStatus.Pending],
            Reasons = ["", "", "", "", ""],
        };
        var message = new QueuedMessage(envelope, progress, DateTimeOffset.UnixEpoch);
        var items = message.PendingByDomain(domain => domain == "one.test" ? 2 : 100).ToList();
        Assert.Equal(
            [("one.test", "0,2"), ("one.test", "4"), ("two.test", "1")],
            items.Select(i => (i.Domain, string.Join(',', i.Rids))).ToList());
    }

    [Theory]
    [InlineData("550 5.1.1 no such user\rX-Injected: yes")]
    [InlineData("550 5.1.1 no such user\nX-Injected: yes")]
    public void A_receivers_answer_with_a_bare_line_break_stays_inside_the_diagnostic_code(string answer)
    {
        var envelope = new QueuedEnvelope { Mid = 13, MailFrom = "sender@origin.test", Recipients = ["gone@far.test"], ReceivedAt = DateTimeOffset.UnixEpoch };
        var bytes = DeliveryStatusNotification.Build("relay.test", envelope, [new RecipientFailure(0, answer)], "Subject: s\r\n", DateTimeOffset.UnixEpoch);

        using var message = MimeMessage.Load(new MemoryStream(bytes));
        var report = Assert.IsType<MultipartReport>(message.Body);
        var recipient = Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups[1];
        Assert.Equal("smtp; 550 5.1.1 no such user X-Injected: yes", recipient["Diagnostic-Code"]);
        Assert.Null(recipient["X-Injected"]);
        Assert.DoesNotContain("\r", Assert.IsType<TextPart>(report[0]).Text.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bounce_is_a_delivery_status_report_with_the_original_headers()
    {
        var envelope = new QueuedEnvelope { Mid = 12, MailFrom = "sender@origin.test", Recipients = ["gone@far.test", "ok@far.test"], ReceivedAt = DateTimeOffset.UnixEpoch };
        var bytes = DeliveryStatusNotification.Build("relay.test", envelope, [new RecipientFailure(0, "550 5.1.1 <gone@far.test>: Recipient address rejected")],
            "Subject: quarterly numbers\r\nFrom: sender@origin.test\r\n", DateTimeOffset.UnixEpoch.AddHours(1));

        using var message = MimeMessage.Load(new MemoryStream(bytes));
        Assert.Equal("sender@origin.test", message.To.Mailboxes.Single().Address);
        Assert.Equal("MAILER-DAEMON@relay.test", message.From.Mailboxes.Single().Address);
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("dns; relay.test", status.StatusGroups[0]["Reporting-MTA"]);
        var recipient = status.StatusGroups[1];
        Assert.Equal(("rfc822; gone@far.test", "failed", "5.1.1"), (recipient["Final-Recipient"], recipient["Action"], recipient["Status"]));
        // One per-message group and one per failed recipient (the parser may add an empty one for the closing blank line).
        Assert.Equal(2, status.StatusGroups.Count(g => g.Count > 0));
        var headers = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("quarterly numbers", headers.Message?.Subject);
        Assert.Contains("<gone@far.test>: 550 5.1.1", ((TextPart)report[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_go_to_subscribers_of_their_class_and_severity_and_repeats_are_held_back_with_a_doubling_wait()
    {
        using var node = new NodeFixture();
        var cluster = new LevelConfig
        {
            AlertRecipients =
            {
                new AlertRecipient { Address = "ops@site.test", Subscriptions = { new AlertSubscription { Class = AlertClass.System, Severities = { AlertSeverity.Warning } } } },
                new AlertRecipient { Address = "boss@site.test", Subscriptions = { new AlertSubscription { Class = AlertClass.System, Severities = { AlertSeverity.Critical } } } },
            },
            AlertSettings = new AlertSettings { InitialBackoffSeconds = 60, MaxBackoffSeconds = 100 },
        };
        Assert.Empty(node.Applier.Apply(new Snapshot { Version = 1, Nonce = "n1", Cluster = cluster, Machine = new LevelConfig { Hostname = "gw1.test" } }));
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var spool = new MessageSpool(Path.Combine(node.DataDir, "queue"));
        await using var log = new MailLog(Path.Combine(node.DataDir, "logs"), node.Current, clock);
        var alerts = new AlertMailer(node.Current, spool, new ManagerLink(), log, clock, new NodePaths(node.DataDir));
        Task<long?> Raise(string key) => alerts.RaiseAsync(AlertClass.System, AlertSeverity.Warning, key, $"TLS failed for {key}", CancellationToken.None);

        var first = await Raise("a.test");
        var envelope = spool.Envelopes().Single(e => e.Mid == first);
        Assert.Equal(["ops@site.test"], envelope.Recipients);
        Assert.Contains("Subject: [Warning]-[gw1.test]: (System) TLS failed for a.test", await File.ReadAllTextAsync(spool.DataPath(first!.Value)), StringComparison.Ordinal);
        Assert.Null(await Raise("a.test"));
        Assert.NotNull(await Raise("b.test"));

        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.NotNull(await Raise("a.test"));
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await Raise("a.test"));
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.NotNull(await Raise("a.test"));
        Assert.Null(await alerts.RaiseAsync(AlertClass.Hardware, AlertSeverity.Warning, "x", "nobody subscribes", CancellationToken.None));

        // A restart keeps the back-off: the repeat is still held, and the wait goes on doubling.
        var restarted = new AlertMailer(node.Current, spool, new ManagerLink(), log, clock, new NodePaths(node.DataDir));
        Assert.Null(await restarted.RaiseAsync(AlertClass.System, AlertSeverity.Warning, "a.test", "again", CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(101));
        Assert.NotNull(await restarted.RaiseAsync(AlertClass.System, AlertSeverity.Warning, "a.test", "again", CancellationToken.None));
        Assert.Null(await restarted.RaiseAsync(AlertClass.System, AlertSeverity.Warning, "a.test", "again", CancellationToken.None));
    }

    [Fact]
    public async Task A_required_TLS_failure_is_told_to_the_manager_when_one_is_connected_and_mailed_by_the_node_when_none_is()
    {
        using var node = new NodeFixture();
        var cluster = new LevelConfig
        {
            AlertRecipients = { new AlertRecipient { Address = "ops@site.test", Subscriptions = { new AlertSubscription { Class = AlertClass.System, Severities = { AlertSeverity.Warning } } } } },
            AlertSettings = new AlertSettings { InitialBackoffSeconds = 60, MaxBackoffSeconds = 60 },
        };
        Assert.Empty(node.Applier.Apply(new Snapshot { Version = 1, Nonce = "n1", Cluster = cluster, Machine = new LevelConfig { Hostname = "gw1.test" } }));
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var spool = new MessageSpool(Path.Combine(node.DataDir, "queue"));
        await using var log = new MailLog(Path.Combine(node.DataDir, "logs"), node.Current, clock);
        var link = new ManagerLink();
        var told = new List<NodeMessage>();
        link.Open(message =>
        {
            told.Add(message);
            return Task.CompletedTask;
        });
        var alerts = new AlertMailer(node.Current, spool, link, log, clock, new NodePaths(node.DataDir));

        await alerts.RequiredTlsFailedAsync("far.test", "STARTTLS refused:\r\n550 no", CancellationToken.None);
        var report = Assert.Single(told).RequiredTlsFailure;
        Assert.Equal(("far.test", "STARTTLS refused:  550 no"), (report.Domain, report.Reason));
        Assert.Empty(spool.Envelopes());

        // Held back like any alert: the manager is not told again within the back-off.
        await alerts.RequiredTlsFailedAsync("far.test", "again", CancellationToken.None);
        Assert.Single(told);

        // No manager to tell (between sessions, or a stream that fails the write): the node mails it.
        link.Open(_ => throw new InvalidOperationException("the stream is over"));
        clock.Advance(TimeSpan.FromSeconds(61));
        await alerts.RequiredTlsFailedAsync("far.test", "STARTTLS refused", CancellationToken.None);
        var mailed = Assert.Single(spool.Envelopes());
        Assert.Equal("[Warning]-[gw1.test]: (System) TLS was required for destination domain far.test but could not be negotiated: STARTTLS refused. Messages stay queued and are retried.",
            (await MimeMessage.LoadAsync(spool.DataPath(mailed.Mid))).Subject);
        link.Close();
        clock.Advance(TimeSpan.FromSeconds(61));
        await alerts.RequiredTlsFailedAsync("far.test", "STARTTLS refused", CancellationToken.None);
        Assert.Equal(2, spool.Envelopes().Count());
        Assert.Single(told);
    }
}
