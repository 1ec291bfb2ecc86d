namespace Gatehouse.Node.Logging;

/// <summary>The mail log's lines about the node itself: its queue storage and the alerts and TLS and DMARC reports it sends.</summary>
internal sealed partial class MailLog
{
    [LoggerMessage((int)MailLogLine.QueueSwept, LogLevel.Warning, "Queue sweep: {Swept} files of messages never accepted removed")]
    public partial void QueueSwept(int swept);

    [LoggerMessage((int)MailLogLine.QueueSweepFailed, LogLevel.Warning, "Queue sweep failed: {Error}")]
    public partial void QueueSweepFailed(string error);

    [LoggerMessage((int)MailLogLine.QueueStorageLow, LogLevel.Warning, "Queue storage low: {Free} bytes free, reserve {Reserve}; new messages are refused (452 4.3.1) while delivery goes on")]
    public partial void QueueStorageLow(long free, long reserve);

    [LoggerMessage((int)MailLogLine.QueueStorageRecovered, LogLevel.Information, "Queue storage back above its reserve: {Free} bytes free, reserve {Reserve}; new messages are accepted")]
    public partial void QueueStorageRecovered(long free, long reserve);

    [LoggerMessage((int)MailLogLine.AlertSent, LogLevel.Information, "MID {Mid} alert ({Severity}, {AlertClass}) to {Recipients}: {Text}")]
    public partial void AlertSent(long mid, string severity, string alertClass, string recipients, string text);

    [LoggerMessage((int)MailLogLine.AlertReported, LogLevel.Information, "alert ({Severity}, {AlertClass}) reported to the cluster manager, which mails it once for the cluster: {Text}")]
    public partial void AlertReported(string severity, string alertClass, string text);

    [LoggerMessage((int)MailLogLine.TlsReportMailed, LogLevel.Information, "MID {Mid} TLS report {ReportId} for {Domain} to {Recipients}")]
    public partial void TlsReportMailed(long mid, string reportId, string domain, string recipients);

    [LoggerMessage((int)MailLogLine.TlsReportPosted, LogLevel.Information, "TLS report {ReportId} for {Domain} posted to {Url}: {Result}")]
    public partial void TlsReportPosted(string reportId, string domain, string url, string result);

    [LoggerMessage((int)MailLogLine.DmarcReportMailed, LogLevel.Information, "MID {Mid} DMARC report {ReportId} for {Domain} to {Recipients}")]
    public partial void DmarcReportMailed(long mid, string reportId, string domain, string recipients);
}
