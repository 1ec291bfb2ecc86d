using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using Prometheus;

namespace Gatehouse.Node.Metrics;

/// <summary>
/// The node's Prometheus metrics (SVC-1), in a registry of its own. Label values come from a
/// fixed vocabulary or from the configuration (listener and certificate names), never from
/// what a client sent, so no client can grow the series without bound.
/// </summary>
internal sealed class NodeMetrics
{
    private readonly Counter connections;
    private readonly Counter accepted;
    private readonly Counter refused;
    private readonly Counter tls;
    private readonly Counter deliveries;
    private readonly Gauge scannersUp;

    public NodeMetrics(CurrentConfig config, QueueCensus census, MessageSpool spool, TimeProvider time)
    {
        LastHour = new LastHour(time);
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        connections = factory.CreateCounter("gatehouse_smtp_connections_total", "SMTP connections accepted, by listener.",
            new CounterConfiguration { LabelNames = ["listener"] });
        accepted = factory.CreateCounter("gatehouse_messages_accepted_total", "Messages accepted (on disk, answered 250), by listener.",
            new CounterConfiguration { LabelNames = ["listener"] });
        refused = factory.CreateCounter("gatehouse_smtp_refused_total", "Recipients, messages and connections refused, by listener and reason.",
            new CounterConfiguration { LabelNames = ["listener", "reason"] });
        tls = factory.CreateCounter("gatehouse_tls_sessions_total", "TLS negotiations, by direction (inbound, outbound), result and reason.",
            new CounterConfiguration { LabelNames = ["direction", "result", "reason"] });
        deliveries = factory.CreateCounter("gatehouse_delivery_recipients_total", "Outcomes of delivery attempts per recipient (delivered, deferred, bounced).",
            new CounterConfiguration { LabelNames = ["outcome"] });
        scannersUp = factory.CreateGauge("gatehouse_content_scanner_up", "1 while a content scanner gives verdicts, 0 while its circuit is open after repeated failures.",
            new GaugeConfiguration { LabelNames = ["scanner"] });
        var version = factory.CreateGauge("gatehouse_config_version", "The configuration version the node runs.");
        var queued = factory.CreateGauge("gatehouse_queue_messages", "Messages in the queue.");
        var recipients = factory.CreateGauge("gatehouse_queue_recipients", "Recipients waiting for delivery.");
        var oldest = factory.CreateGauge("gatehouse_queue_oldest_message_age_seconds", "Age of the oldest message in the queue (0 when empty).");
        var daysLeft = factory.CreateGauge("gatehouse_certificate_days_left", "Days until each certificate of the configuration expires.",
            new GaugeConfiguration { LabelNames = ["certificate"] });
        var flushes = factory.CreateCounter("gatehouse_spool_flushes_total", "Flushes of the spool to disk; concurrent messages share one (group commit).");
        Registry.AddBeforeCollectCallback(() =>
        {
            flushes.IncTo(spool.Flush.Flushes);
            var snapshot = config.Snapshot;
            version.Set(snapshot?.Version ?? 0);
            var now = time.GetUtcNow();
            var count = census.Count();
            queued.Set(count.Messages);
            recipients.Set(count.Recipients);
            oldest.Set(count.Oldest is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0);
            foreach (var labels in daysLeft.GetAllLabelValues().ToList())
            {
                daysLeft.RemoveLabelled(labels);
            }

            foreach (var certificate in snapshot?.Certificates.Values ?? [])
            {
                daysLeft.WithLabels(certificate.Name).Set(Math.Floor((certificate.Leaf.NotAfter.ToUniversalTime() - now.UtcDateTime).TotalDays));
            }
        });
    }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    /// <summary>The same events over the last hour, for the cluster's status view.</summary>
    public LastHour LastHour { get; }

    public void ConnectionAccepted(string listener) => connections.WithLabels(listener).Inc();

    public void ScannerUp(string scanner, bool up) => scannersUp.WithLabels(scanner).Set(up ? 1 : 0);

    public void MessageAccepted(string listener)
    {
        accepted.WithLabels(listener).Inc();
        LastHour.Add(Activity.Accepted);
    }

    public void Refused(string listener, RefusalReason reason) => refused.WithLabels(listener, Label(reason)).Inc();

    public void Tls(TlsDirection direction, bool succeeded, TlsOutcome reason)
    {
        var inbound = direction == TlsDirection.Inbound;
        tls.WithLabels(inbound ? "inbound" : "outbound", succeeded ? "success" : "failure", Label(reason)).Inc();
        LastHour.Add((inbound, succeeded) switch
        {
            (true, true) => Activity.TlsInboundSucceeded,
            (true, false) => Activity.TlsInboundFailed,
            (false, true) => Activity.TlsOutboundSucceeded,
            _ => Activity.TlsOutboundFailed,
        });
    }

    public void Delivered(int count) => Outcome("delivered", Activity.Delivered, count);

    public void Deferred(int count) => Outcome("deferred", Activity.Deferred, count);

    public void Bounced(int count) => Outcome("bounced", Activity.Bounced, count);

    private void Outcome(string label, Activity activity, int count)
    {
        deliveries.WithLabels(label).Inc(count);
        LastHour.Add(activity, count);
    }

    private static string Label<T>(T value) where T : struct, Enum => LabelsOf<T>.Names[value];

    // snake_case of each enum name, made once: the reasons as they appear in the exposition.
    private static class LabelsOf<T> where T : struct, Enum
    {
        public static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v =>
            string.Concat(v.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())));
    }
}

internal enum RefusalReason
{
    RelayDenied,
    SourceRouted,
    LdapUnknown,
    LdapUnavailable,
    TooManyRecipients,
    StorageLow,
    HostAccess,
    ConnectionLimit,
    TlsRequired,
    UrlMalicious,
    UrlServiceUnavailable,
    HarvestLimit,
    TooManyRefused,
}

internal enum TlsDirection
{
    Inbound,
    Outbound,
}

internal enum TlsOutcome
{
    Negotiated,
    Unverified,
    Handshake,
    NotOffered,
}
