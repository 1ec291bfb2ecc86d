using Gatehouse.Cluster.Alerts;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Dkim;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Runtime;
using MimeKit;

namespace Gatehouse.Node.Alerts;

/// <summary>
/// Mails alerts (SVC-4) to the recipients subscribed to their class and severity, with the
/// appliance's subject <c>[Warning]-[host]: (System) text</c>. The same alert (same key) is
/// held back after it is sent, the wait doubling from the initial to the maximum back-off;
/// the back-off is kept in <c>DATA/state/alert-backoff.json</c>, so a restart does not repeat
/// an alert early. Alerts are queued like any message and leave through the node's own delivery.
/// An event other nodes may see too goes to the manager, which mails it once for the cluster.
/// </summary>
internal sealed class AlertMailer(CurrentConfig config, MessageSpool spool, ManagerLink manager, MailLog log, TimeProvider time, NodePaths paths)
{
    private static readonly TimeSpan DefaultInitialBackoff = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(3600);

    // Keys quiet for longer than this are forgotten, so the file stays small.
    private static readonly TimeSpan Forget = TimeSpan.FromDays(7);
    private readonly Lock gate = new();
    private readonly Lock saving = new();
    private readonly Dictionary<string, AlertBackoff> sent = AlertBackoff.Load(paths.AlertBackoff);

    /// <summary>Queues the alert; null when no one subscribes or a repeat is still held back.</summary>
    public async Task<long?> RaiseAsync(AlertClass alertClass, AlertSeverity severity, string key, string text, CancellationToken cancel)
    {
        if (config.Snapshot is not { } snapshot || Recipients(snapshot, alertClass, severity) is not { Count: > 0 } recipients
            || !TakeTurn(snapshot.Config.AlertSettings, $"{alertClass}/{severity}/{key}"))
        {
            return null;
        }

        SaveBackoff();
        return await MailAsync(snapshot, alertClass, severity, recipients, text, cancel);
    }

    /// <summary>
    /// Mail to a destination that requires TLS is held: the manager is told, and alerts once for
    /// the cluster however many nodes see it; without a manager to tell, the node mails the alert.
    /// The node's back-off holds repeats either way.
    /// </summary>
    public Task RequiredTlsFailedAsync(string domain, string reason, CancellationToken cancel)
    {
        var report = RequiredTlsAlert.Report(domain, reason);
        return TellOrMailAsync(RequiredTlsAlert.Key(domain), new NodeMessage { RequiredTlsFailure = report }, RequiredTlsAlert.Text(domain, report.Reason), cancel);
    }

    /// <summary>A content scanner's circuit opened: told to the manager (or mailed) as <see cref="RequiredTlsFailedAsync"/>.</summary>
    public Task ScannerDownAsync(string scanner, string reason, CancellationToken cancel)
    {
        var report = ScannerDownAlert.Report(scanner, reason);
        return TellOrMailAsync(ScannerDownAlert.Key(scanner), new NodeMessage { ScannerDown = report }, ScannerDownAlert.Text(scanner, report.Reason), cancel);
    }

    private async Task TellOrMailAsync(string key, NodeMessage report, string text, CancellationToken cancel)
    {
        if (config.Snapshot is not { } snapshot
            || !TakeTurn(snapshot.Config.AlertSettings, $"{AlertClass.System}/{AlertSeverity.Warning}/{key}"))
        {
            return;
        }

        SaveBackoff();
        if (await manager.TryTellAsync(report))
        {
            log.AlertReported(Name(AlertSeverity.Warning), Name(AlertClass.System), text);
        }
        else if (Recipients(snapshot, AlertClass.System, AlertSeverity.Warning) is { Count: > 0 } recipients)
        {
            await MailAsync(snapshot, AlertClass.System, AlertSeverity.Warning, recipients, text, cancel);
        }
    }

    private static List<string> Recipients(NodeSnapshot snapshot, AlertClass alertClass, AlertSeverity severity) =>
        [.. snapshot.Config.AlertRecipients
            .Where(r => r.Subscriptions.Any(s => s.Class == alertClass && s.Severities.Contains(severity)))
            .Select(r => r.Address)];

    private async Task<long> MailAsync(NodeSnapshot snapshot, AlertClass alertClass, AlertSeverity severity, List<string> recipients, string text, CancellationToken cancel)
    {
        var host = snapshot.HostName;
        var (severityName, className) = (Name(severity), Name(alertClass));
        var from = snapshot.Config.AlertSettings?.FromAddress is { Length: > 0 } configured ? configured : $"alert@{host}";
        var now = time.GetUtcNow();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Gatehouse Alert", from));
        message.To.AddRange(recipients.Select(r => new MailboxAddress("", r)));
        message.Subject = $"[{severityName}]-[{host}]: ({className}) {text}";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(host);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain")
        {
            Text = $"The {severityName} message is:\r\n\r\n{text}\r\n\r\nHostname: {host}\r\nClass: {className}\r\nSeverity: {severityName}\r\nTimestamp: {MimeKit.Utils.DateUtils.FormatDate(now)}\r\n",
        };
        var signature = MessageSigning.Sign(snapshot.Config, message);
        var mid = await spool.InjectAsync(GeneratedMessage.Bytes(message), from, recipients, "alert", now, cancel);
        log.AlertSent(mid, severityName, className, string.Join(", ", recipients), text);
        if (signature.Covered)
        {
            log.DkimSigning(mid, signature.Detail);
        }
        return mid;
    }

    private bool TakeTurn(AlertSettings? settings, string key)
    {
        var initial = settings?.InitialBackoffSeconds is > 0 and var i ? TimeSpan.FromSeconds(i) : DefaultInitialBackoff;
        var max = settings?.MaxBackoffSeconds is > 0 and var m ? TimeSpan.FromSeconds(m) : DefaultMaxBackoff;
        var now = time.GetUtcNow();
        lock (gate)
        {
            var last = sent.GetValueOrDefault(key);
            if (last is not null && now < last.NextAllowed)
            {
                return false;
            }

            var wait = last is null ? initial : TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(last.WaitSeconds).Ticks * 2, max.Ticks));
            sent[key] = new AlertBackoff(now + wait, (long)wait.TotalSeconds);
            return true;
        }
    }

    // Alerts are rare: a small synchronous write, one at a time, so an older state never lands last.
    private void SaveBackoff()
    {
        lock (saving)
        {
            byte[] json;
            lock (gate)
            {
                foreach (var stale in sent.Where(s => time.GetUtcNow() - s.Value.NextAllowed > Forget).Select(s => s.Key).ToList())
                {
                    sent.Remove(stale);
                }

                json = AlertBackoff.Serialize(sent);
            }

            Gatehouse.Configuration.Files.AtomicFile.Write(paths.AlertBackoff, json, privateFile: true);
        }
    }

    private static string Name(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => "Critical",
        AlertSeverity.Information => "Information",
        _ => "Warning",
    };

    private static string Name(AlertClass alertClass) => alertClass switch
    {
        AlertClass.Hardware => "Hardware",
        AlertClass.Updater => "Updater",
        AlertClass.DirectoryHarvest => "Directory Harvest Attack Prevention",
        AlertClass.AntiSpam => "Anti-Spam",
        AlertClass.AntiVirus => "Anti-Virus",
        _ => "System",
    };
}
