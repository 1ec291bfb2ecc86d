using System.Net;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Tracking;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.Node.Tests.Tracking;

public sealed class MessageTrackerTests : IDisposable
{
    private readonly NodeFixture node = new();

    private string Directory => Path.Combine(node.DataDir, "tracking");

    [Fact]
    public async Task A_message_is_indexed_from_its_mail_log_lines_with_its_connections_and_survives_a_restart()
    {
        Assert.Empty(node.Apply(1, new LevelConfig()));
        var tracker = new MessageTracker(Directory, node.Current, TimeProvider.System, NullLogger<MessageTracker>.Instance);
        await tracker.StartAsync(CancellationToken.None);
        var log = new MailLog(Path.Combine(node.DataDir, "logs"), node.Current, TimeProvider.System, sink: tracker);

        log.NewConnection(7, "Data1", IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.9"), "mx.sender.test", "yes");
        log.ConnectionListener(7, "InboundMail");
        log.InboundTlsSucceeded(7, "TLSv1.3", "TLS_AES_256_GCM_SHA384");
        log.MessageStarted(41, 7);
        log.Sender(41, 7, "alice@sender.test");
        log.Recipient(41, 7, 0, "bob@example.test");
        log.MessageHeaders(41, new TrackedHeaders("It's a test", "<x@sender.test>"));
        log.MessageReady(41, 1234, "alice@sender.test");
        log.QueuedForDelivery(41);
        log.ConnectionClosed(7);
        log.NewDeliveryConnection(9, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("203.0.113.5"), 25);
        log.DeliveryTlsSucceeded(9, "TLSv1.3", "TLS_AES_128_GCM_SHA256");
        log.DeliveryStart(9, 41, "0");
        log.RecipientResponse(41, "0", "2.0.0 Ok: queued as ABC");
        log.MessageDone(9, 41, "0");
        log.MessageFinished(41, "done");

        TrackedMessage? message = null;
        await Harness.Wait.UntilAsync(async () => (message = (await tracker.SearchAsync(new TrackQuery { Subject = "IT'S" }, CancellationToken.None)).Messages.SingleOrDefault())?.State == "delivered",
            "the message is indexed as delivered");
        Assert.Equal(41, message!.Mid);
        Assert.Equal(("InboundMail", "Data1", "198.51.100.9", "TLSv1.3 TLS_AES_256_GCM_SHA384"), (message.Listener, message.InterfaceName, message.RemoteAddress, message.TlsIn));
        Assert.Equal(("alice@sender.test", "bob@example.test", "It's a test", "<x@sender.test>", 1234L), (message.Sender, message.Recipients.Single(), message.Subject, message.MessageId, message.Size));
        var delivery = message.Deliveries.Single();
        Assert.Equal((9L, "203.0.113.5:25", "TLSv1.3 TLS_AES_128_GCM_SHA256", "delivered", "2.0.0 Ok: queued as ABC"), (delivery.Dcid, delivery.Peer, delivery.Tls, delivery.Outcome, delivery.Response));
        // The connection's own lines come first, then the message's, as the mail log has them.
        Assert.StartsWith("Info: New SMTP ICID 7 interface Data1", message.Events[0].Line, StringComparison.Ordinal);
        Assert.Contains(message.Events, e => e.Line == "Info: MID 41 Subject 'It\\'s a test'");
        Assert.Contains(message.Events, e => e.Line.StartsWith("Info: New SMTP DCID 9 ", StringComparison.Ordinal));
        Assert.DoesNotContain(message.Events, e => e.Line.Contains("ICID 7 close", StringComparison.Ordinal));

        await log.DisposeAsync();
        await tracker.StopAsync(CancellationToken.None);
        tracker.Dispose();

        using var again = new MessageTracker(Directory, node.Current, TimeProvider.System, NullLogger<MessageTracker>.Instance);
        await again.StartAsync(CancellationToken.None);
        Assert.Single((await again.SearchAsync(new TrackQuery { Recipient = "BOB@", MessageIds = { "<x@sender.test>" } }, CancellationToken.None)).Messages);
        Assert.Empty((await again.SearchAsync(new TrackQuery { Sender = "%" }, CancellationToken.None)).Messages);
        await again.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_damaged_index_is_set_aside_and_tracking_starts_anew()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(Path.Combine(Directory, TrackingIndex.FileName), "not a database, whatever it once was");
        using var tracker = new MessageTracker(Directory, node.Current, TimeProvider.System, NullLogger<MessageTracker>.Instance);
        await tracker.StartAsync(CancellationToken.None);
        tracker.Offer(new MailLogEvent(MailLogLine.Sender, DateTimeOffset.UtcNow, "Info: MID 3 ICID 1 From: <a@b.test>", [new("Mid", 3L), new("Icid", 1L), new("Sender", "a@b.test")]));

        await Harness.Wait.UntilAsync(async () => (await tracker.SearchAsync(new TrackQuery { Sender = "a@b.test" }, CancellationToken.None)).Messages.Count == 1,
            "the new index takes events");
        Assert.Single(System.IO.Directory.GetFiles(Directory, $"{TrackingIndex.FileName}.damaged-*"));
        await tracker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void The_index_keeps_the_newest_messages_within_its_age_and_count()
    {
        using var index = new TrackingIndex(Directory);
        var now = DateTimeOffset.UtcNow;
        index.Write(i =>
        {
            i.StartMessage(1, now.AddDays(-10), 0, "", "", "", "", 0);
            i.StartMessage(2, now.AddMinutes(-3), 0, "", "", "", "", 0);
            i.StartMessage(3, now.AddMinutes(-2), 0, "", "", "", "", 0);
            i.StartMessage(4, now.AddMinutes(-1), 0, "", "", "", "", 0);
            foreach (var mid in new long[] { 1, 2, 3, 4 })
            {
                i.AddEvent(mid, now, $"MID {mid}");
            }
        });

        index.Prune(now.AddDays(-7), maxMessages: 2);

        Assert.Equal([4L, 3L], index.Search(new TrackQuery()).Messages.Select(m => m.Mid));
    }

    [Fact]
    public void A_message_keeps_at_most_its_share_of_lines()
    {
        using var index = new TrackingIndex(Directory);
        index.Write(i =>
        {
            for (var n = 0; n < TrackingIndex.MaxEventsPerMessage + 50; n++)
            {
                i.AddEvent(5, DateTimeOffset.UtcNow, $"Delayed {n}");
            }
        });

        Assert.Equal(TrackingIndex.MaxEventsPerMessage, index.Search(new TrackQuery { Mid = 5 }).Messages.Single().Events.Count);
    }

    public void Dispose() => node.Dispose();
}
